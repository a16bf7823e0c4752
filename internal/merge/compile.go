package merge

import (
	"bytes"
	"cmp"
	"strconv"
	"strings"
	"text/template/parse"
)

// A campaign renders one variant thousands of times, and text/template
// finds every field by name through reflection and calls every escaper
// through reflection on each of them: about 80 µs for a letter, the largest
// cost of sending one. compile turns a parsed (and, for HTML, escaped)
// template into closures that read the merge data directly, for the
// constructs letters use: text, fields, constants, the escapers of
// escape.go, and if/else over fields, comparisons and not/and/or. Anything
// else (with, range, variables, other functions) leaves the template to
// text/template, as does any value a compiled template cannot read at
// render time; either way the output is the same (TestCompiledMatchesExecute,
// FuzzCompiled).

// program writes a template's output for d, or reports false, having
// written part of it, when the data holds something it does not handle.
type program func(b *bytes.Buffer, d *Data) bool

// value is what a field or a constant yields: a string, or an int.
type value struct {
	s     string
	n     int
	isInt bool
}

func (v value) String() string {
	if v.isInt {
		return strconv.Itoa(v.n)
	}
	return v.s
}

func (v value) truth() bool {
	if v.isInt {
		return v.n != 0
	}
	return v.s != ""
}

// operand yields a value for d, or false when d lacks it (an instrument the
// data has no entry for, which text/template reports as an error).
type operand struct {
	get   func(d *Data) (value, bool)
	isInt bool
}

// compile returns nil when the tree uses something it does not handle.
func compile(t *parse.Tree) program {
	if t == nil || t.Root == nil {
		return nil
	}
	p, ok := compileList(t.Root)
	if !ok {
		return nil
	}
	return p
}

func compileList(l *parse.ListNode) (program, bool) {
	if l == nil {
		return func(*bytes.Buffer, *Data) bool { return true }, true
	}
	steps := make([]program, 0, len(l.Nodes))
	for _, n := range l.Nodes {
		s, ok := compileNode(n)
		if !ok {
			return nil, false
		}
		steps = append(steps, s)
	}
	return func(b *bytes.Buffer, d *Data) bool {
		for _, s := range steps {
			if !s(b, d) {
				return false
			}
		}
		return true
	}, true
}

func compileNode(n parse.Node) (program, bool) {
	switch n := n.(type) {
	case *parse.TextNode:
		text := n.Text
		return func(b *bytes.Buffer, _ *Data) bool { b.Write(text); return true }, true
	case *parse.ActionNode:
		return compileAction(n.Pipe)
	case *parse.IfNode:
		cond, ok := compileCondition(n.Pipe)
		if !ok {
			return nil, false
		}
		then, ok := compileList(n.List)
		if !ok {
			return nil, false
		}
		otherwise, ok := compileList(n.ElseList)
		if !ok {
			return nil, false
		}
		return func(b *bytes.Buffer, d *Data) bool {
			t, ok := cond(d)
			if !ok {
				return false
			}
			if t {
				return then(b, d)
			}
			return otherwise(b, d)
		}, true
	case *parse.ListNode:
		return compileList(n)
	}
	return nil, false
}

// compileAction handles a value piped through escapers: {{.Country.Name |
// _html_template_htmlescaper}}, or a bare value in a text template.
func compileAction(p *parse.PipeNode) (program, bool) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) == 0 || len(p.Cmds[0].Args) != 1 {
		return nil, false
	}
	op, ok := compileOperand(p.Cmds[0].Args[0])
	if !ok {
		return nil, false
	}
	var chain []func(string) string
	for _, cmd := range p.Cmds[1:] {
		if len(cmd.Args) != 1 {
			return nil, false
		}
		id, isIdent := cmd.Args[0].(*parse.IdentifierNode)
		if !isIdent || escapers[id.Ident] == nil {
			return nil, false
		}
		chain = append(chain, escapers[id.Ident])
	}
	return func(b *bytes.Buffer, d *Data) bool {
		v, ok := op.get(d)
		if !ok {
			return false
		}
		if len(chain) == 0 && v.isInt {
			b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(v.n), 10))
			return true
		}
		s := v.String()
		for _, esc := range chain {
			s = esc(s)
		}
		b.WriteString(s)
		return true
	}, true
}

// compileCondition handles the pipeline of an if: one command that is a
// value, a comparison, or not/and/or of those.
func compileCondition(p *parse.PipeNode) (func(*Data) (bool, bool), bool) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 {
		return nil, false
	}
	args := p.Cmds[0].Args
	if len(args) == 1 {
		if inner, isPipe := args[0].(*parse.PipeNode); isPipe {
			return compileCondition(inner)
		}
		op, ok := compileOperand(args[0])
		if !ok {
			return nil, false
		}
		return func(d *Data) (bool, bool) {
			v, ok := op.get(d)
			return v.truth(), ok
		}, true
	}
	id, isIdent := args[0].(*parse.IdentifierNode)
	if !isIdent {
		return nil, false
	}
	switch id.Ident {
	case "not", "and", "or":
		if id.Ident == "not" && len(args) != 2 || len(args) < 2 {
			return nil, false
		}
		var conds []func(*Data) (bool, bool)
		for _, a := range args[1:] {
			c, ok := compileCondition(&parse.PipeNode{Cmds: []*parse.CommandNode{{Args: []parse.Node{a}}}})
			if !ok {
				return nil, false
			}
			conds = append(conds, c)
		}
		return logic(id.Ident, conds), true
	case "eq", "ne", "lt", "le", "gt", "ge":
		return compileComparison(id.Ident, args[1:])
	}
	return nil, false
}

// logic evaluates not, and, or as text/template does: and and or stop at
// the first argument that decides.
func logic(op string, conds []func(*Data) (bool, bool)) func(*Data) (bool, bool) {
	return func(d *Data) (bool, bool) {
		for _, c := range conds {
			t, ok := c(d)
			if !ok {
				return false, false
			}
			switch {
			case op == "not":
				return !t, true
			case op == "and" && !t:
				return false, true
			case op == "or" && t:
				return true, true
			}
		}
		return op == "and", true
	}
}

// compileComparison handles eq (with one or more values to match), ne, lt,
// le, gt and ge over operands of one kind; text/template refuses to compare
// a string with an int, which is left to it to report.
func compileComparison(fn string, args []parse.Node) (func(*Data) (bool, bool), bool) {
	if len(args) < 2 || (fn != "eq" && len(args) != 2) {
		return nil, false
	}
	ops := make([]operand, len(args))
	for i, a := range args {
		op, ok := compileOperand(a)
		if !ok || i > 0 && op.isInt != ops[0].isInt {
			return nil, false
		}
		ops[i] = op
	}
	return func(d *Data) (bool, bool) {
		x, ok := ops[0].get(d)
		if !ok {
			return false, false
		}
		for _, op := range ops[1:] {
			y, ok := op.get(d)
			if !ok {
				return false, false
			}
			c := compare(x, y)
			var t bool
			switch fn {
			case "eq":
				if c == 0 {
					return true, true
				}
				continue
			case "ne":
				t = c != 0
			case "lt":
				t = c < 0
			case "le":
				t = c <= 0
			case "gt":
				t = c > 0
			case "ge":
				t = c >= 0
			}
			return t, true
		}
		return false, true // eq matched none
	}, true
}

func compare(x, y value) int {
	if x.isInt {
		return cmp.Compare(x.n, y.n)
	}
	return strings.Compare(x.s, y.s)
}

// compileOperand handles a field of the merge data, a quoted string, or a
// decimal integer.
func compileOperand(n parse.Node) (operand, bool) {
	switch n := n.(type) {
	case *parse.FieldNode:
		return field(n.Ident)
	case *parse.StringNode:
		v := value{s: n.Text}
		return operand{get: func(*Data) (value, bool) { return v, true }}, true
	case *parse.NumberNode:
		// text/template reads 1e3 or 0x10 as other kinds of number; only
		// plain decimals are taken here.
		if !n.IsInt || strings.Trim(strings.TrimLeft(n.Text, "+-"), "0123456789") != "" || int64(int(n.Int64)) != n.Int64 {
			return operand{}, false
		}
		v := value{n: int(n.Int64), isInt: true}
		return operand{get: func(*Data) (value, bool) { return v, true }, isInt: true}, true
	}
	return operand{}, false
}

// field reads one of the merge data's strings or ints by its path. The
// paths are those of Data (TestFieldCoversData keeps them in step); a path
// that ends on a struct or a map is left to text/template.
func field(path []string) (operand, bool) {
	str := func(f func(*Data) string) (operand, bool) {
		return operand{get: func(d *Data) (value, bool) { return value{s: f(d)}, true }}, true
	}
	switch strings.Join(path, ".") {
	case "Contact.Honorific":
		return str(func(d *Data) string { return d.Contact.Honorific })
	case "Contact.FirstName":
		return str(func(d *Data) string { return d.Contact.FirstName })
	case "Contact.LastName":
		return str(func(d *Data) string { return d.Contact.LastName })
	case "Contact.FullName":
		return str(func(d *Data) string { return d.Contact.FullName })
	case "Contact.Position":
		return str(func(d *Data) string { return d.Contact.Position })
	case "Contact.Institution":
		return str(func(d *Data) string { return d.Contact.Institution })
	case "Country.Name":
		return str(func(d *Data) string { return d.Country.Name })
	case "Sender.Name":
		return str(func(d *Data) string { return d.Sender.Name })
	case "Sender.Organisation":
		return str(func(d *Data) string { return d.Sender.Organisation })
	case "UnsubscribeURL":
		return str(func(d *Data) string { return d.UnsubscribeURL })
	}
	if len(path) != 4 || path[0] != "Country" || path[1] != "Instruments" {
		return operand{}, false
	}
	code := path[2]
	switch path[3] {
	case "Status":
		return operand{get: func(d *Data) (value, bool) {
			in, ok := d.Country.Instruments[code]
			return value{s: in.Status}, ok
		}}, true
	case "Year":
		return operand{get: func(d *Data) (value, bool) {
			in, ok := d.Country.Instruments[code]
			return value{n: in.Year, isInt: true}, ok
		}, isInt: true}, true
	}
	return operand{}, false
}
