package jsonnull

import (
	"encoding/json"
	"math"
	"testing"
)

type inner struct {
	AP  []float64 `json:"ap"`
	ATE float64   `json:"ate"`
}

type Embedded struct {
	Frames int `json:"frames"`
}

type result struct {
	Embedded
	MAP     float64            `json:"map"`
	Skip    string             `json:"-"`
	Empty   []int              `json:"empty,omitempty"`
	Classes []inner            `json:"classes"`
	ByName  map[string]float64 `json:"by_name"`
	Ptr     *float64           `json:"ptr"`
	Plain   float32
}

func TestUndefinedBecomesNull(t *testing.T) {
	nan := math.NaN()
	r := result{Embedded: Embedded{3}, MAP: nan, Skip: "x", Classes: []inner{{AP: []float64{0.5, nan}, ATE: math.Inf(1)}},
		ByName: map[string]float64{"truck": nan}, Ptr: &nan, Plain: 0.25}
	if _, err := json.Marshal(r); err == nil {
		t.Fatal("encoding/json accepted NaN; this package is not needed")
	}
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"frames":3,"map":null,"classes":[{"ap":[0.5,null],"ate":null}],"by_name":{"truck":null},"ptr":null,"Plain":0.25}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	// Defined values encode exactly as encoding/json does.
	r2 := result{MAP: 0.1, Classes: []inner{{AP: []float64{1}}}, Empty: []int{1}}
	a, _ := json.Marshal(r2)
	b, err = Marshal(r2)
	if err != nil || string(a) != string(b) {
		t.Fatalf("got %s (%v), encoding/json %s", b, err, a)
	}
}
