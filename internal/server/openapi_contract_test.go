package server_test

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// This file holds the JSON API to its OpenAPI document (openapi.json). The
// router's /api/v1 routes and the documented operations must be the same
// set, and every /api/v1 answer that a test of this package receives through
// env.send is checked against the schema documented for its operation and
// status: an undocumented status, an undocumented content type or a body
// that does not match fails the test that made the request. So the whole API
// suite checks the document as a side effect, and TestOpenAPIResponses drives
// every operation to success once so that no operation goes unchecked.

// contractURL names the document for the schema compiler; the compiler needs
// a URL to resolve the document's "#/components/..." references against.
const contractURL = "file:///ratify/openapi.json"

// apiPrefix is the server URL of the document: its paths are relative to it.
const apiPrefix = "/api/v1"

// apiContract is the document, compiled for checking answers.
type apiContract struct {
	ops      []*contractOp
	errorDoc *jsonschema.Schema // answers outside any operation: unknown routes and methods
}

// contractOp is one documented operation.
type contractOp struct {
	method, path string // "GET", "/contacts/{id}"
	segs         []string
	responses    map[int]contractResponse
	pathParams   []string // names declared with in: path
}

// contractResponse is one documented status: its media types, each with a
// compiled schema for JSON and nil for other types (CSV), whose content is
// not described beyond its type. No media types means no body.
type contractResponse map[string]*jsonschema.Schema

func (o *contractOp) String() string { return o.method + " " + o.path }

var (
	// contractChecks counts the answers checked, to prove the hook runs.
	contractChecks atomic.Int64

	contractOnce   sync.Once
	contractLoaded *apiContract
	contractErr    error
)

// loadContract reads and compiles openapi.json once for the whole package.
func loadContract() (*apiContract, error) {
	contractOnce.Do(func() { contractLoaded, contractErr = compileContract("openapi.json") })
	return contractLoaded, contractErr
}

func compileContract(file string) (*apiContract, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft2020)
	// Formats (date, date-time) are only annotations in 2020-12 unless
	// asserted; asserting them catches a timestamp where a day belongs.
	comp.AssertFormat()
	if err := comp.AddResource(contractURL, doc); err != nil {
		return nil, err
	}
	c := &apiContract{}
	if c.errorDoc, err = comp.Compile(contractURL + "#/components/schemas/Error"); err != nil {
		return nil, err
	}
	root, _ := doc.(map[string]any)
	paths, ok := root["paths"].(map[string]any)
	if !ok {
		return nil, errors.New("the document has no paths")
	}
	for path, item := range paths {
		methods, _ := item.(map[string]any)
		for method, v := range methods {
			if !slices.Contains([]string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}, method) {
				continue
			}
			op, err := compileOp(comp, root, strings.ToUpper(method), path, v)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", strings.ToUpper(method), path, err)
			}
			c.ops = append(c.ops, op)
		}
	}
	sort.Slice(c.ops, func(i, j int) bool { return c.ops[i].String() < c.ops[j].String() })
	return c, nil
}

func compileOp(comp *jsonschema.Compiler, root map[string]any, method, path string, v any) (*contractOp, error) {
	op := &contractOp{method: method, path: path, segs: strings.Split(strings.TrimPrefix(path, "/"), "/"), responses: map[int]contractResponse{}}
	node, _ := v.(map[string]any)
	params, _ := node["parameters"].([]any)
	for _, p := range params {
		pm, _, err := deref(root, p, "")
		if err != nil {
			return nil, err
		}
		if pm["in"] == "path" {
			name, _ := pm["name"].(string)
			op.pathParams = append(op.pathParams, name)
		}
	}
	responses, _ := node["responses"].(map[string]any)
	if len(responses) == 0 {
		return nil, errors.New("no responses")
	}
	base := "/paths/" + pointerEscape(path) + "/" + strings.ToLower(method) + "/responses/"
	for status, r := range responses {
		code, err := strconv.Atoi(status)
		if err != nil {
			// "default" and "4XX" would let any status through; the
			// document lists each status it means.
			return nil, fmt.Errorf("response %q: list each status", status)
		}
		rm, ptr, err := deref(root, r, base+status)
		if err != nil {
			return nil, err
		}
		out := contractResponse{}
		content, _ := rm["content"].(map[string]any)
		for media := range content {
			if media != "application/json" {
				out[media] = nil
				continue
			}
			sch, err := comp.Compile(contractURL + "#" + ptr + "/content/" + pointerEscape(media) + "/schema")
			if err != nil {
				return nil, fmt.Errorf("response %d: %w", code, err)
			}
			out[media] = sch
		}
		op.responses[code] = out
	}
	return op, nil
}

// deref follows a local $ref; at is the node's own JSON pointer.
func deref(root map[string]any, v any, at string) (map[string]any, string, error) {
	m, _ := v.(map[string]any)
	ref, ok := m["$ref"].(string)
	if !ok {
		return m, at, nil
	}
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, "", fmt.Errorf("$ref %q is not local", ref)
	}
	var cur any = root
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		next, ok := cur.(map[string]any)[tok]
		if !ok {
			return nil, "", fmt.Errorf("$ref %q does not resolve", ref)
		}
		cur = next
	}
	m, ok = cur.(map[string]any)
	if !ok {
		return nil, "", fmt.Errorf("$ref %q is not an object", ref)
	}
	return m, ptr, nil
}

func pointerEscape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// match finds the operation for a method and a path relative to /api/v1 the
// way gin routes: a literal segment wins over a parameter at the same place.
// known tells whether any method has the path, which makes a miss a 405.
func (c *apiContract) match(method, rel string) (op *contractOp, known bool) {
	segs := strings.Split(strings.TrimPrefix(rel, "/"), "/")
	best := -1
	for _, o := range c.ops {
		score, ok := o.fit(segs)
		if !ok {
			continue
		}
		known = true
		if o.method == method && score > best {
			op, best = o, score
		}
	}
	return op, known
}

// fit scores a path against the template: literal segments count, the
// earlier the more.
func (o *contractOp) fit(segs []string) (int, bool) {
	if len(segs) != len(o.segs) {
		return 0, false
	}
	score := 0
	for i, t := range o.segs {
		switch {
		case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
			if segs[i] == "" {
				return 0, false
			}
		case t == segs[i]:
			score += 1 << (len(segs) - i)
		default:
			return 0, false
		}
	}
	return score, true
}

// check holds one answer to the document. It returns the operation the
// answer belongs to, nil for an unknown route or method, whose answer must
// be the error shape with 404 or 405.
func (c *apiContract) check(method, path string, status int, header http.Header, body []byte) (*contractOp, error) {
	rel, ok := strings.CutPrefix(path, apiPrefix)
	if !ok {
		return nil, fmt.Errorf("%s is not under %s", path, apiPrefix)
	}
	op, known := c.match(method, rel)
	if op == nil {
		want := http.StatusNotFound
		if known {
			want = http.StatusMethodNotAllowed
		}
		if status != want {
			return nil, fmt.Errorf("no operation %s %s is documented, and the answer is %d, not %d", method, rel, status, want)
		}
		return nil, validateJSON(c.errorDoc, body)
	}
	r, ok := op.responses[status]
	if !ok {
		var documented []int
		for s := range op.responses {
			documented = append(documented, s)
		}
		slices.Sort(documented)
		return op, fmt.Errorf("%s: status %d is not documented (documented: %v)", op, status, documented)
	}
	if len(r) == 0 {
		if len(body) > 0 {
			return op, fmt.Errorf("%s: %d is documented without a body, and the answer has %d bytes", op, status, len(body))
		}
		return op, nil
	}
	media, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil {
		return op, fmt.Errorf("%s: %d with Content-Type %q: %v", op, status, header.Get("Content-Type"), err)
	}
	sch, ok := r[media]
	if !ok {
		return op, fmt.Errorf("%s: %d as %s is not documented", op, status, media)
	}
	if sch == nil {
		return op, nil
	}
	if err := validateJSON(sch, body); err != nil {
		return op, fmt.Errorf("%s: %d: %w", op, status, err)
	}
	return op, nil
}

func validateJSON(sch *jsonschema.Schema, body []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("the body is not JSON: %v: %s", err, apiClip(string(body)))
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%v\nbody: %s", err, apiClip(string(body)))
	}
	return nil
}

// checkContract holds an /api/v1 answer to the document. env.send calls it
// for every request, so every API test of this package checks the document.
func (e *env) checkContract(req *http.Request, res response) {
	e.t.Helper()
	if req.URL.Path != apiPrefix && !strings.HasPrefix(req.URL.Path, apiPrefix+"/") {
		return
	}
	contractChecks.Add(1)
	c, err := loadContract()
	if err == nil {
		_, err = c.check(req.Method, req.URL.Path, res.Status, res.Header, []byte(res.Body))
	}
	if err != nil {
		e.t.Errorf("OpenAPI document: %s %s: %v", req.Method, req.URL.Path, err)
	}
}
