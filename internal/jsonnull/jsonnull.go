// Package jsonnull encodes values as JSON with undefined numbers (NaN, ±Inf)
// as null, where encoding/json refuses them. Scores are undefined when there
// is nothing to score (a class with no ground truth, no 3D output); the
// result's counts say why, and the JSON must still be written.
package jsonnull

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
)

// Marshal is json.Marshal with NaN and ±Inf floats written as null.
func Marshal(v any) ([]byte, error) {
	return json.Marshal(convert(reflect.ValueOf(v)))
}

// MarshalIndent is json.MarshalIndent with NaN and ±Inf written as null.
func MarshalIndent(v any, prefix, indent string) ([]byte, error) {
	return json.MarshalIndent(convert(reflect.ValueOf(v)), prefix, indent)
}

// object is a struct's fields in declaration order.
type object struct {
	keys []string
	vals []any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, fmt.Errorf("jsonnull: field %s: %w", k, err)
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// convert rebuilds v with NaN/Inf floats as nil, following encoding/json's
// rules for struct tags; values with their own marshalers are kept as they
// are.
func convert(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Type().Implements(marshalerType) || v.Type().Implements(textMarshalerType) {
		if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
			return nil
		}
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		return v.Interface()
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return convert(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Interface() // base64, as encoding/json writes []byte
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = convert(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			out[fmt.Sprint(it.Key().Interface())] = convert(it.Value())
		}
		return out
	case reflect.Struct:
		var o object
		addFields(&o, v)
		return o
	}
	return v.Interface()
}

func addFields(o *object, v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Struct {
				addFields(o, fv) // embedded fields are promoted
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if strings.Contains(opts, "omitempty") && fv.IsZero() && fv.Kind() != reflect.Struct {
			continue
		}
		if strings.Contains(opts, "omitempty") && (fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.Len() == 0 {
			continue
		}
		if name == "" {
			name = f.Name
		}
		o.keys = append(o.keys, name)
		o.vals = append(o.vals, convert(fv))
	}
}
