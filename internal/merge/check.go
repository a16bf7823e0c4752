package merge

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"reflect"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
)

// Parse checks and parses a variant. An empty text body is derived from the
// HTML at render time. codes are the instrument codes .Country.Instruments
// may name. Errors name the part and the line.
func Parse(subject, html, text string, codes []string) (*Template, map[string]string) {
	errs := map[string]string{}
	t := &Template{}
	var err error
	if t.subject, err = parseText("subject", subject, codes); err != nil {
		errs["subject"] = err.Error()
	}
	if strings.TrimSpace(html) == "" {
		errs["html"] = "the HTML body is empty"
	} else if t.html, err = parseHTML(html, codes); err != nil {
		errs["html"] = err.Error()
	}
	if strings.TrimSpace(text) != "" {
		if t.text, err = parseText("text", text, codes); err != nil {
			errs["text"] = err.Error()
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	t.fastSubject = compile(t.subject.Tree)
	t.fastHTML = compile(t.html.Tree) // escaped by parseHTML's execution
	if t.text != nil {
		t.fastText = compile(t.text.Tree)
	}
	return t, nil
}

func parseText(name, src string, codes []string) (*texttemplate.Template, error) {
	tt, err := texttemplate.New(name).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, cleanErr(err)
	}
	if err := checkSet(tt.Templates(), name, codes); err != nil {
		return nil, err
	}
	return tt, nil
}

func parseHTML(src string, codes []string) (*htmltemplate.Template, error) {
	ht, err := htmltemplate.New("html").Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, cleanErr(err)
	}
	var trees []*texttemplate.Template
	for _, t := range ht.Templates() {
		trees = append(trees, texttemplate.Must(texttemplate.New(t.Name()).AddParseTree(t.Name(), t.Tree)))
	}
	if err := checkSet(trees, "html", codes); err != nil {
		return nil, err
	}
	// html/template works out the HTML context of each action (and refuses,
	// say, a quote in an unquoted attribute value) only when the template is
	// first executed. Execute it once now, on empty data, so that such a body
	// is refused when it is saved rather than failing at every send. Errors of
	// the execution itself (empty data) do not matter here.
	var he *htmltemplate.Error
	if err := ht.Execute(io.Discard, &Data{}); errors.As(err, &he) {
		if he.Line > 0 {
			return nil, fmt.Errorf("line %d: %s", he.Line, he.Description)
		}
		return nil, errors.New(he.Description)
	}
	return ht, nil
}

// cleanErr drops Go's "template: name:" prefix but keeps the line.
func cleanErr(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "template: ")
	msg = strings.TrimPrefix(msg, "html/template:")
	return fmt.Errorf("line %s", strings.TrimLeft(strings.SplitN(msg, ":", 2)[1], " "))
}

func checkSet(set []*texttemplate.Template, name string, codes []string) error {
	if len(set) > 1 {
		return fmt.Errorf("named templates (define, block) are not supported")
	}
	c := &checker{codes: codes, tree: set[0].Tree}
	if c.tree == nil || c.tree.Root == nil {
		return nil
	}
	return c.list(c.tree.Root, reflect.TypeOf(Data{}))
}

type checker struct {
	codes []string
	tree  *parse.Tree
}

func (c *checker) fail(n parse.Node, format string, args ...any) error {
	loc, _ := c.tree.ErrorContext(n)
	if i := strings.Index(loc, ":"); i >= 0 {
		loc = loc[i+1:]
	}
	line := strings.SplitN(loc, ":", 2)[0]
	return fmt.Errorf("line %s: %s", line, fmt.Sprintf(format, args...))
}

var rootType = reflect.TypeOf(Data{})

// list checks every node with dot of type dot (nil: unknown, not checked).
func (c *checker) list(l *parse.ListNode, dot reflect.Type) error {
	if l == nil {
		return nil
	}
	for _, n := range l.Nodes {
		if err := c.node(n, dot); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) node(n parse.Node, dot reflect.Type) error {
	switch n := n.(type) {
	case *parse.ActionNode:
		_, err := c.pipe(n.Pipe, dot)
		return err
	case *parse.IfNode:
		if _, err := c.pipe(n.Pipe, dot); err != nil {
			return err
		}
		if err := c.list(n.List, dot); err != nil {
			return err
		}
		return c.list(n.ElseList, dot)
	case *parse.WithNode:
		t, err := c.pipe(n.Pipe, dot)
		if err != nil {
			return err
		}
		if err := c.list(n.List, t); err != nil {
			return err
		}
		return c.list(n.ElseList, dot)
	case *parse.RangeNode:
		t, err := c.pipe(n.Pipe, dot)
		if err != nil {
			return err
		}
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Map || t.Kind() == reflect.Slice) {
			elem = t.Elem()
		}
		if err := c.list(n.List, elem); err != nil {
			return err
		}
		return c.list(n.ElseList, dot)
	case *parse.TemplateNode:
		return c.fail(n, "named templates are not supported")
	case *parse.ListNode:
		return c.list(n, dot)
	}
	return nil
}

// pipe checks a pipeline and returns the type it yields when known.
func (c *checker) pipe(p *parse.PipeNode, dot reflect.Type) (reflect.Type, error) {
	if p == nil {
		return nil, nil
	}
	var last reflect.Type
	for _, cmd := range p.Cmds {
		last = nil
		for i, arg := range cmd.Args {
			t, err := c.arg(arg, dot)
			if err != nil {
				return nil, err
			}
			if i == 0 && len(cmd.Args) == 1 {
				last = t
			}
		}
	}
	return last, nil
}

func (c *checker) arg(n parse.Node, dot reflect.Type) (reflect.Type, error) {
	switch n := n.(type) {
	case *parse.FieldNode:
		return c.fields(n, dot, n.Ident)
	case *parse.VariableNode:
		if n.Ident[0] == "$" {
			return c.fields(n, rootType, n.Ident[1:])
		}
		return nil, nil
	case *parse.ChainNode:
		t, err := c.arg(n.Node, dot)
		if err != nil || t == nil {
			return nil, err
		}
		return c.fields(n, t, n.Field)
	case *parse.PipeNode:
		return c.pipe(n, dot)
	case *parse.DotNode:
		return dot, nil
	}
	return nil, nil
}

// fields follows a chain of field names from t, naming the first unknown one.
func (c *checker) fields(n parse.Node, t reflect.Type, idents []string) (reflect.Type, error) {
	if t == nil {
		return nil, nil
	}
	for _, id := range idents {
		switch t.Kind() {
		case reflect.Struct:
			f, ok := t.FieldByName(id)
			if !ok || !f.IsExported() {
				return nil, c.fail(n, "%s has no field %q (see the list of fields beside the editor)", typeName(t), id)
			}
			t = f.Type
		case reflect.Map:
			if !contains(c.codes, id) {
				return nil, c.fail(n, "no instrument with code %q (known: %s)", id, strings.Join(c.codes, ", "))
			}
			t = t.Elem()
		default:
			return nil, c.fail(n, "%s has no field %q", typeName(t), id)
		}
	}
	return t, nil
}

func typeName(t reflect.Type) string {
	switch t {
	case rootType:
		return "the data"
	case reflect.TypeOf(Contact{}):
		return ".Contact"
	case reflect.TypeOf(Country{}):
		return ".Country"
	case reflect.TypeOf(Sender{}):
		return ".Sender"
	case reflect.TypeOf(Instrument{}):
		return "an instrument"
	}
	return t.Kind().String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
