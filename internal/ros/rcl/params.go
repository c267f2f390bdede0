//go:build ros2

package rcl

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/builtin_interfaces"
	rcl "github.com/gopercept/gopercept/internal/ros/rosmsg/rcl_interfaces"
)

// SetFunc is asked to take accepted parameter changes (already checked
// against the declarations: declared, Dynamic, right type, in range). It
// returns an error to refuse them with that reason; the values then stay as
// they were.
type SetFunc func(changes map[string]any) error

// ParamServer serves a param.Set over the six rclcpp parameter services
// (~/list_parameters, ~/get_parameters, ~/set_parameters,
// ~/set_parameters_atomically, ~/describe_parameters,
// ~/get_parameter_types) and announces changes on /parameter_events, so
// `ros2 param`, rqt_reconfigure and Foxglove see the node's parameters.
type ParamServer struct {
	n      *Node
	set    SetFunc
	now    func() builtin_interfaces.Time
	mu     sync.Mutex // guards ps: services answer on the spinning goroutine, tests read from others
	ps     *param.Set
	svcs   []*Service
	events *Publisher
}

// ServeParameters serves ps, whose parameters must all be declared, on n.
// set takes accepted changes (nil refuses every change). now stamps the
// events (nil: the system clock). It publishes the initial values as one
// ParameterEvent of new parameters, as rclcpp does when parameters are
// declared. Call it before Spin starts.
func (n *Node) ServeParameters(ps *param.Set, set SetFunc, now func() builtin_interfaces.Time) (*ParamServer, error) {
	if now == nil {
		now = func() builtin_interfaces.Time { return node.TimeFromNS(time.Now().UnixNano()) }
	}
	s := &ParamServer{n: n, ps: ps, set: set, now: now}
	var err error
	// rclcpp's parameter-events QoS: reliable, volatile, keep last 1000.
	if s.events, err = n.NewPublisher("/parameter_events", rcl.ParameterEventTypeName, Reliable(1000)); err != nil {
		return nil, err
	}
	for _, sv := range []struct {
		name, typ string
		h         ServiceHandler
	}{
		{"~/list_parameters", "rcl_interfaces/srv/ListParameters", s.list},
		{"~/get_parameters", "rcl_interfaces/srv/GetParameters", s.get},
		{"~/set_parameters", "rcl_interfaces/srv/SetParameters", s.setEach},
		{"~/set_parameters_atomically", "rcl_interfaces/srv/SetParametersAtomically", s.setAtomically},
		{"~/describe_parameters", "rcl_interfaces/srv/DescribeParameters", s.describe},
		{"~/get_parameter_types", "rcl_interfaces/srv/GetParameterTypes", s.types},
	} {
		svc, err := n.NewService(sv.name, sv.typ, sv.h)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.svcs = append(s.svcs, svc)
	}
	ev := &rcl.ParameterEvent{Stamp: now(), Node: n.FullyQualifiedName()}
	for _, name := range ps.Names() {
		v, _ := ps.Value(name)
		ev.NewParameters = append(ev.NewParameters, rcl.Parameter{Name: name, Value: toValue(v)})
	}
	if err := s.events.PublishMessage(ev); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Value returns the current value of a parameter, as get_parameters does.
func (s *ParamServer) Value(name string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ps.Value(name)
}

// Close destroys the services and the events publisher.
func (s *ParamServer) Close() error {
	var errs []error
	for _, sv := range s.svcs {
		if err := sv.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	s.svcs = nil
	if s.events != nil {
		if err := s.events.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("ros2: closing parameter services: %v", errs)
	}
	return nil
}

func (s *ParamServer) list(b []byte) ([]byte, error) {
	var req listParametersRequest
	if err := cdr.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	names := s.ps.Names()
	s.mu.Unlock()
	return cdr.Marshal(&listParametersResponse{Result: listParameters(names, req.Prefixes, req.Depth)}), nil
}

// listParameters selects names as rclcpp's list_parameters does: with no
// prefixes every name at most depth levels deep (0: any depth), else the
// names equal to a prefix or below it within depth; plus the distinct
// prefixes (name up to its last dot) of the selected names.
func listParameters(names, prefixes []string, depth uint64) rcl.ListParametersResult {
	var res rcl.ListParametersResult
	seen := map[string]bool{}
	for _, name := range names {
		match := len(prefixes) == 0 && (depth == 0 || uint64(strings.Count(name, ".")) < depth)
		for _, p := range prefixes {
			if name == p {
				match = true
			} else if strings.HasPrefix(name, p+".") {
				rest := name[len(p)+1:]
				if depth == 0 || uint64(strings.Count(rest, ".")) < depth {
					match = true
				}
			}
		}
		if !match {
			continue
		}
		res.Names = append(res.Names, name)
		if i := strings.LastIndexByte(name, '.'); i >= 0 && !seen[name[:i]] {
			seen[name[:i]] = true
			res.Prefixes = append(res.Prefixes, name[:i])
		}
	}
	return res
}

func (s *ParamServer) get(b []byte) ([]byte, error) {
	var req namesRequest
	if err := cdr.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := &getParametersResponse{}
	for _, name := range req.Names {
		v, ok := s.ps.Value(name)
		if !ok {
			// rclcpp answers nothing when any name is undeclared.
			return cdr.Marshal(&getParametersResponse{}), nil
		}
		resp.Values = append(resp.Values, toValue(v))
	}
	return cdr.Marshal(resp), nil
}

func (s *ParamServer) describe(b []byte) ([]byte, error) {
	var req namesRequest
	if err := cdr.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := &describeParametersResponse{}
	names := req.Names
	if len(names) == 0 {
		names = s.ps.Names()
	}
	for _, name := range names {
		in, ok := s.ps.Info(name)
		if !ok {
			return cdr.Marshal(&describeParametersResponse{}), nil
		}
		resp.Descriptors = append(resp.Descriptors, descriptor(in))
	}
	return cdr.Marshal(resp), nil
}

// descriptor turns a declaration into a ParameterDescriptor: read_only for
// what is read only at start, the range as the type's range field.
func descriptor(in param.Info) rcl.ParameterDescriptor {
	d := rcl.ParameterDescriptor{Name: in.Name, Type: uint8(in.Type), Description: in.Description, ReadOnly: !in.Dynamic}
	if !in.Dynamic {
		d.AdditionalConstraints = "Read once at start; restart the node to change it."
	}
	if r := in.Range; r != nil {
		switch in.Type {
		case param.TypeInteger:
			d.IntegerRange = []rcl.IntegerRange{{FromValue: clampInt(r.From), ToValue: clampInt(r.To), Step: uint64(r.Step)}}
		case param.TypeDouble, param.TypeDoubleArray:
			d.FloatingPointRange = []rcl.FloatingPointRange{{FromValue: r.From, ToValue: r.To, Step: r.Step}}
			if in.Type == param.TypeDoubleArray {
				d.AdditionalConstraints = strings.TrimSpace(d.AdditionalConstraints + " Every element lies in " + r.String() + ".")
			}
		}
	}
	return d
}

func clampInt(f float64) int64 {
	switch {
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func (s *ParamServer) types(b []byte) ([]byte, error) {
	var req namesRequest
	if err := cdr.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := &getParameterTypesResponse{}
	for _, name := range req.Names {
		in, ok := s.ps.Info(name)
		if !ok {
			return cdr.Marshal(&getParameterTypesResponse{}), nil
		}
		resp.Types = append(resp.Types, uint8(in.Type))
	}
	return cdr.Marshal(resp), nil
}

func (s *ParamServer) setEach(b []byte) ([]byte, error) {
	var req setParametersRequest
	if err := cdr.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	resp := &setParametersResponse{}
	for _, p := range req.Parameters {
		resp.Results = append(resp.Results, s.apply([]rcl.Parameter{p}))
	}
	return cdr.Marshal(resp), nil
}

func (s *ParamServer) setAtomically(b []byte) ([]byte, error) {
	var req setParametersRequest
	if err := cdr.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	return cdr.Marshal(&setParametersAtomicallyResponse{Result: s.apply(req.Parameters)}), nil
}

// apply checks ps and hands all of them to the SetFunc at once; on success
// it records the new values and publishes a ParameterEvent.
func (s *ParamServer) apply(ps []rcl.Parameter) rcl.SetParametersResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	changes := map[string]any{}
	for _, p := range ps {
		if reason := s.check(p); reason != "" {
			return rcl.SetParametersResult{Reason: reason}
		}
		changes[p.Name], _ = fromValue(p.Value)
	}
	if len(changes) == 0 {
		return rcl.SetParametersResult{Successful: true}
	}
	if s.set == nil {
		return rcl.SetParametersResult{Reason: "this node takes no parameter changes while it runs"}
	}
	if err := s.set(changes); err != nil {
		return rcl.SetParametersResult{Reason: err.Error()}
	}
	s.ps.Update(changes)
	ev := &rcl.ParameterEvent{Stamp: s.now(), Node: s.n.FullyQualifiedName()}
	for _, p := range ps {
		v, _ := s.ps.Value(p.Name)
		ev.ChangedParameters = append(ev.ChangedParameters, rcl.Parameter{Name: p.Name, Value: toValue(v)})
	}
	if err := s.events.PublishMessage(ev); err != nil {
		s.n.Logger().Warnf("publish /parameter_events: %v", err)
	}
	return rcl.SetParametersResult{Successful: true}
}

// check returns why p cannot be set, or "". The first reasons follow
// rclcpp's wording so tools and users meet the familiar messages.
func (s *ParamServer) check(p rcl.Parameter) string {
	in, ok := s.ps.Info(p.Name)
	switch {
	case !ok:
		return fmt.Sprintf("parameter '%s' cannot be set because it was not declared", p.Name)
	case p.Value.Type == rcl.ParameterType_PARAMETER_NOT_SET:
		return fmt.Sprintf("cannot undeclare a statically typed parameter: '%s'", p.Name)
	case !in.Dynamic:
		return fmt.Sprintf("parameter '%s' cannot be set because it is read-only: %s reads it once at start (restart the node to change it)", p.Name, s.n.Name())
	case p.Value.Type != uint8(in.Type):
		return fmt.Sprintf("Wrong parameter type, parameter {%s} is of type {%s}, setting it to {%s} is not allowed.", p.Name, typeName(uint8(in.Type)), typeName(p.Value.Type))
	}
	v, err := fromValue(p.Value)
	if err == nil {
		err = s.ps.Check(p.Name, v)
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// typeName names a ParameterType as rclcpp's to_string does.
func typeName(t uint8) string {
	names := []string{"not set", "bool", "integer", "double", "string", "byte_array", "bool_array", "integer_array", "double_array", "string_array"}
	if int(t) < len(names) {
		return names[t]
	}
	return fmt.Sprintf("type %d", t)
}

// toValue converts a declared value (as param.Set.Value returns it).
func toValue(v any) rcl.ParameterValue {
	var pv rcl.ParameterValue
	switch x := v.(type) {
	case bool:
		pv.Type, pv.BoolValue = rcl.ParameterType_PARAMETER_BOOL, x
	case int:
		pv.Type, pv.IntegerValue = rcl.ParameterType_PARAMETER_INTEGER, int64(x)
	case float64:
		pv.Type, pv.DoubleValue = rcl.ParameterType_PARAMETER_DOUBLE, x
	case string:
		pv.Type, pv.StringValue = rcl.ParameterType_PARAMETER_STRING, x
	case []float64:
		pv.Type, pv.DoubleArrayValue = rcl.ParameterType_PARAMETER_DOUBLE_ARRAY, append([]float64{}, x...)
	case []string:
		pv.Type, pv.StringArrayValue = rcl.ParameterType_PARAMETER_STRING_ARRAY, append([]string{}, x...)
	}
	return pv
}

// fromValue converts a ParameterValue of a type package param declares.
func fromValue(pv rcl.ParameterValue) (any, error) {
	switch pv.Type {
	case rcl.ParameterType_PARAMETER_BOOL:
		return pv.BoolValue, nil
	case rcl.ParameterType_PARAMETER_INTEGER:
		if int64(int(pv.IntegerValue)) != pv.IntegerValue {
			return nil, fmt.Errorf("integer %d does not fit", pv.IntegerValue)
		}
		return int(pv.IntegerValue), nil
	case rcl.ParameterType_PARAMETER_DOUBLE:
		return pv.DoubleValue, nil
	case rcl.ParameterType_PARAMETER_STRING:
		return pv.StringValue, nil
	case rcl.ParameterType_PARAMETER_DOUBLE_ARRAY:
		return append([]float64{}, pv.DoubleArrayValue...), nil
	case rcl.ParameterType_PARAMETER_STRING_ARRAY:
		return append([]string{}, pv.StringArrayValue...), nil
	}
	return nil, fmt.Errorf("parameter type %s is not used by gopercept", typeName(pv.Type))
}

// The request and response bodies of the rcl_interfaces services, encoded
// with the generated codecs of their fields (package cdr has no .srv
// generator). Field order follows the .srv files.

type namesRequest struct{ Names []string } // GetParameters, DescribeParameters, GetParameterTypes

func (*namesRequest) TypeName() string { return "rcl_interfaces/srv/GetParameters_Request" }
func (*namesRequest) Schema() string   { return "string[] names\n" }
func (m *namesRequest) EncodeCDR(e *cdr.Encoder) {
	e.SeqLen(len(m.Names))
	for _, s := range m.Names {
		e.String(s)
	}
}
func (m *namesRequest) DecodeCDR(d *cdr.Decoder) {
	m.Names = cdr.Resize(m.Names, d.SeqLen(5))
	for i := range m.Names {
		m.Names[i] = d.String(m.Names[i])
	}
}

type listParametersRequest struct {
	Prefixes []string
	Depth    uint64
}

func (*listParametersRequest) TypeName() string { return "rcl_interfaces/srv/ListParameters_Request" }
func (*listParametersRequest) Schema() string   { return "string[] prefixes\nuint64 depth\n" }
func (m *listParametersRequest) EncodeCDR(e *cdr.Encoder) {
	(&namesRequest{Names: m.Prefixes}).EncodeCDR(e)
	e.Uint64(m.Depth)
}
func (m *listParametersRequest) DecodeCDR(d *cdr.Decoder) {
	r := namesRequest{Names: m.Prefixes}
	r.DecodeCDR(d)
	m.Prefixes = r.Names
	m.Depth = d.Uint64()
}

type listParametersResponse struct{ Result rcl.ListParametersResult }

func (*listParametersResponse) TypeName() string           { return "rcl_interfaces/srv/ListParameters_Response" }
func (*listParametersResponse) Schema() string             { return "" }
func (m *listParametersResponse) EncodeCDR(e *cdr.Encoder) { m.Result.EncodeCDR(e) }
func (m *listParametersResponse) DecodeCDR(d *cdr.Decoder) { m.Result.DecodeCDR(d) }

type getParametersResponse struct{ Values []rcl.ParameterValue }

func (*getParametersResponse) TypeName() string { return "rcl_interfaces/srv/GetParameters_Response" }
func (*getParametersResponse) Schema() string   { return "" }
func (m *getParametersResponse) EncodeCDR(e *cdr.Encoder) {
	e.SeqLen(len(m.Values))
	for i := range m.Values {
		m.Values[i].EncodeCDR(e)
	}
}
func (m *getParametersResponse) DecodeCDR(d *cdr.Decoder) {
	m.Values = cdr.Resize(m.Values, d.SeqLen(1))
	for i := range m.Values {
		m.Values[i].DecodeCDR(d)
	}
}

type setParametersRequest struct{ Parameters []rcl.Parameter } // SetParameters, SetParametersAtomically

func (*setParametersRequest) TypeName() string { return "rcl_interfaces/srv/SetParameters_Request" }
func (*setParametersRequest) Schema() string   { return "" }
func (m *setParametersRequest) EncodeCDR(e *cdr.Encoder) {
	e.SeqLen(len(m.Parameters))
	for i := range m.Parameters {
		m.Parameters[i].EncodeCDR(e)
	}
}
func (m *setParametersRequest) DecodeCDR(d *cdr.Decoder) {
	m.Parameters = cdr.Resize(m.Parameters, d.SeqLen(5))
	for i := range m.Parameters {
		m.Parameters[i].DecodeCDR(d)
	}
}

type setParametersResponse struct{ Results []rcl.SetParametersResult }

func (*setParametersResponse) TypeName() string { return "rcl_interfaces/srv/SetParameters_Response" }
func (*setParametersResponse) Schema() string   { return "" }
func (m *setParametersResponse) EncodeCDR(e *cdr.Encoder) {
	e.SeqLen(len(m.Results))
	for i := range m.Results {
		m.Results[i].EncodeCDR(e)
	}
}
func (m *setParametersResponse) DecodeCDR(d *cdr.Decoder) {
	m.Results = cdr.Resize(m.Results, d.SeqLen(5))
	for i := range m.Results {
		m.Results[i].DecodeCDR(d)
	}
}

type setParametersAtomicallyResponse struct{ Result rcl.SetParametersResult }

func (*setParametersAtomicallyResponse) TypeName() string {
	return "rcl_interfaces/srv/SetParametersAtomically_Response"
}
func (*setParametersAtomicallyResponse) Schema() string             { return "" }
func (m *setParametersAtomicallyResponse) EncodeCDR(e *cdr.Encoder) { m.Result.EncodeCDR(e) }
func (m *setParametersAtomicallyResponse) DecodeCDR(d *cdr.Decoder) { m.Result.DecodeCDR(d) }

type describeParametersResponse struct{ Descriptors []rcl.ParameterDescriptor }

func (*describeParametersResponse) TypeName() string {
	return "rcl_interfaces/srv/DescribeParameters_Response"
}
func (*describeParametersResponse) Schema() string { return "" }
func (m *describeParametersResponse) EncodeCDR(e *cdr.Encoder) {
	e.SeqLen(len(m.Descriptors))
	for i := range m.Descriptors {
		m.Descriptors[i].EncodeCDR(e)
	}
}
func (m *describeParametersResponse) DecodeCDR(d *cdr.Decoder) {
	m.Descriptors = cdr.Resize(m.Descriptors, d.SeqLen(5))
	for i := range m.Descriptors {
		m.Descriptors[i].DecodeCDR(d)
	}
}

type getParameterTypesResponse struct{ Types []uint8 }

func (*getParameterTypesResponse) TypeName() string {
	return "rcl_interfaces/srv/GetParameterTypes_Response"
}
func (*getParameterTypesResponse) Schema() string { return "uint8[] types\n" }
func (m *getParameterTypesResponse) EncodeCDR(e *cdr.Encoder) {
	e.SeqLen(len(m.Types))
	e.Bytes8(m.Types)
}
func (m *getParameterTypesResponse) DecodeCDR(d *cdr.Decoder) {
	m.Types = append(m.Types[:0], d.Bytes8(d.SeqLen(1))...)
}
