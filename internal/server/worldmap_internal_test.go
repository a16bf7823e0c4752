package server

import "testing"

func TestPathExtent(t *testing.T) {
	w, h := pathExtent("M10 20l5-1 -2.5 .5z M100 100l1 1z")
	if w != 91 || h != 82 {
		t.Fatalf("extent = %v x %v, want 91 x 82", w, h)
	}
	shapes, err := loadWorldShapes()
	if err != nil {
		t.Fatal(err)
	}
	if len(shapes.Paths) < 190 {
		t.Fatalf("only %d shapes", len(shapes.Paths))
	}
	// Brazil is large, Liechtenstein is not visible at world scale.
	if shapes.Tiny["076"] || !shapes.Tiny["438"] {
		t.Fatalf("tiny: Brazil %v, Liechtenstein %v", shapes.Tiny["076"], shapes.Tiny["438"])
	}
}
