//go:build ros2

package rcl

/*
#cgo LDFLAGS: -lrmw_implementation -lrmw -lrcutils -ldl

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <rcutils/allocator.h>
#include <rmw/rmw.h>
#include <rmw/serialized_message.h>
#include <rosidl_runtime_c/message_type_support_struct.h>
#include <rosidl_runtime_c/service_type_support_struct.h>

typedef const void* (*gp_handle_fn)(void);
typedef void* (*gp_create_fn)(void);
typedef void (*gp_destroy_fn)(void*);

static const void* gp_call_handle(void* fn) { return ((gp_handle_fn)fn)(); }
static void* gp_call_create(void* fn) { return ((gp_create_fn)fn)(); }
static void gp_call_destroy(void* fn, void* p) { ((gp_destroy_fn)fn)(p); }

// gp_serialize writes the CDR of the C message msg into a new buffer that
// the caller frees with free(); it returns the rmw error string or NULL.
static const char* gp_serialize(const void* msg, const void* ts, uint8_t** out, size_t* len) {
	rmw_serialized_message_t sm = rmw_get_zero_initialized_serialized_message();
	rcutils_allocator_t a = rcutils_get_default_allocator();
	if (rmw_serialized_message_init(&sm, 0, &a) != RMW_RET_OK) {
		return "rmw_serialized_message_init failed";
	}
	if (rmw_serialize(msg, (const rosidl_message_type_support_t*)ts, &sm) != RMW_RET_OK) {
		if (rmw_serialized_message_fini(&sm) != RMW_RET_OK) { }
		return "rmw_serialize failed";
	}
	*out = malloc(sm.buffer_length ? sm.buffer_length : 1);
	memcpy(*out, sm.buffer, sm.buffer_length);
	*len = sm.buffer_length;
	if (rmw_serialized_message_fini(&sm) != RMW_RET_OK) { }
	return NULL;
}

// gp_deserialize fills the initialized C message msg from CDR bytes.
static const char* gp_deserialize(uint8_t* data, size_t len, const void* ts, void* msg) {
	rmw_serialized_message_t sm = rmw_get_zero_initialized_serialized_message();
	sm.buffer = data;
	sm.buffer_length = len;
	sm.buffer_capacity = len;
	sm.allocator = rcutils_get_default_allocator();
	if (rmw_deserialize(&sm, (const rosidl_message_type_support_t*)ts, msg) != RMW_RET_OK) {
		return "rmw_deserialize failed";
	}
	return NULL;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/tiiuae/rclgo/pkg/rclgo"
	"github.com/tiiuae/rclgo/pkg/rclgo/types"
)

// ServiceHandler answers one request. Both are serialized messages
// (encapsulation header and CDR body, as package cdr writes them). A non-nil
// error sends no response; the client then times out, so handlers should
// report failures inside the response where the type has room for it.
type ServiceHandler func(req []byte) (resp []byte, err error)

// Service serves one service of a node. Requests are answered on the
// spinning goroutine, like subscription callbacks.
type Service struct {
	rcl  *rclgo.Service
	name string
	typ  string
}

// NewService serves name (relative, absolute or "~/..." private to the
// node) with the service type typeName, e.g. "rcl_interfaces/srv/GetParameters".
// Like topics, the type support is loaded at run time from the installed
// interface package (lib<pkg>__rosidl_typesupport_c.so and
// lib<pkg>__rosidl_generator_c.so), so no Go bindings are needed. Create
// services before Spin starts.
func (n *Node) NewService(name, typeName string, h ServiceHandler) (*Service, error) {
	ts, err := loadServiceType(typeName)
	if err != nil {
		return nil, err
	}
	s := &Service{name: name, typ: typeName}
	cb := func(_ *rclgo.ServiceInfo, req types.Message, send rclgo.ServiceResponseSender) {
		r := req.(*rawMessage)
		if r.err != nil {
			n.Logger().Errorf("service %s [%s]: request: %v", name, typeName, r.err)
			return
		}
		resp, err := h(r.data)
		if err != nil {
			n.Logger().Errorf("service %s [%s]: %v", name, typeName, err)
			return
		}
		if err := send.SendResponse(&rawMessage{ts: ts.resp, data: resp}); err != nil {
			n.Logger().Errorf("service %s [%s]: send response: %v", name, typeName, err)
		}
	}
	rs, err := n.rcl.NewService(name, ts, rclgo.NewDefaultServiceOptions(), cb)
	if err != nil {
		return nil, &EndpointError{Op: "service", Topic: name, Type: typeName, Err: err}
	}
	s.rcl = rs
	return s, nil
}

// Close destroys s.
func (s *Service) Close() error {
	if s.rcl == nil {
		return nil
	}
	err := s.rcl.Close()
	s.rcl = nil
	return err
}

// serviceType is a types.ServiceTypeSupport built from the C type support
// and the C message constructors of an installed interface package. rclgo
// takes requests and sends responses as C structs; rawType converts them
// to and from CDR with rmw_serialize and rmw_deserialize.
type serviceType struct {
	handle    unsafe.Pointer // const rosidl_service_type_support_t*
	req, resp *rawType
}

func (t *serviceType) Request() types.MessageTypeSupport  { return t.req }
func (t *serviceType) Response() types.MessageTypeSupport { return t.resp }
func (t *serviceType) TypeSupport() unsafe.Pointer        { return t.handle }

// rawType is one request or response type.
type rawType struct {
	name            string         // e.g. rcl_interfaces/srv/GetParameters_Request
	handle          unsafe.Pointer // const rosidl_message_type_support_t*
	create, destroy unsafe.Pointer // <pkg>__srv__<Srv>_<Part>__create / __destroy
}

// rawMessage carries a serialized request or response through rclgo.
type rawMessage struct {
	ts   *rawType
	data []byte
	err  error
}

func (m *rawMessage) CloneMsg() types.Message {
	return &rawMessage{ts: m.ts, data: append([]byte(nil), m.data...), err: m.err}
}
func (m *rawMessage) SetDefaults()                             { m.data, m.err = nil, nil }
func (m *rawMessage) GetTypeSupport() types.MessageTypeSupport { return m.ts }

func (t *rawType) New() types.Message { return &rawMessage{ts: t} }

// PrepareMemory returns a zero-initialized C message.
func (t *rawType) PrepareMemory() unsafe.Pointer { return C.gp_call_create(t.create) }

func (t *rawType) ReleaseMemory(p unsafe.Pointer) { C.gp_call_destroy(t.destroy, p) }

// AsCStruct fills the C message dst from src's CDR bytes. The interface has
// no error result: a failure leaves dst at its defaults and is logged.
func (t *rawType) AsCStruct(dst unsafe.Pointer, src types.Message) {
	data := src.(*rawMessage).data
	if len(data) == 0 {
		return
	}
	buf := C.CBytes(data)
	defer C.free(buf)
	if e := C.gp_deserialize((*C.uint8_t)(buf), C.size_t(len(data)), t.handle, dst); e != nil {
		rclgo.GetLogger("gopercept").Errorf("%s: %s", t.name, C.GoString(e))
	}
}

// AsGoStruct serializes the C message src into dst's bytes.
func (t *rawType) AsGoStruct(dst types.Message, src unsafe.Pointer) {
	m := dst.(*rawMessage)
	var out *C.uint8_t
	var n C.size_t
	if e := C.gp_serialize(src, t.handle, &out, &n); e != nil {
		m.data, m.err = nil, fmt.Errorf("%s: %s", t.name, C.GoString(e))
		return
	}
	defer C.free(unsafe.Pointer(out))
	m.data, m.err = C.GoBytes(unsafe.Pointer(out), C.int(n)), nil
}

func (t *rawType) TypeSupport() unsafe.Pointer { return t.handle }

var (
	srvTypesMu sync.Mutex
	srvTypes   = map[string]*serviceType{}
)

// loadServiceType loads (once per process) the service type typeName,
// "pkg/srv/Name". The libraries stay loaded: services may outlive any node.
func loadServiceType(typeName string) (*serviceType, error) {
	parts := strings.Split(typeName, "/")
	if len(parts) != 3 || parts[1] != "srv" || !isIdent(parts[0]) || !isIdent(parts[2]) {
		return nil, fmt.Errorf("%w: %q (want pkg/srv/Name)", ErrTypeName, typeName)
	}
	srvTypesMu.Lock()
	defer srvTypesMu.Unlock()
	if t, ok := srvTypes[typeName]; ok {
		return t, nil
	}
	pkg, name := parts[0], parts[2]
	tsLib, err := dlopen("lib" + pkg + "__rosidl_typesupport_c.so")
	if err != nil {
		return nil, &TypeSupportError{Type: typeName, Err: err}
	}
	genLib, err := dlopen("lib" + pkg + "__rosidl_generator_c.so")
	if err != nil {
		return nil, &TypeSupportError{Type: typeName, Err: err}
	}
	handle := func(sym string) (unsafe.Pointer, error) {
		f, err := dlsym(tsLib, sym)
		if err != nil {
			return nil, err
		}
		return unsafe.Pointer(C.gp_call_handle(f)), nil
	}
	t := &serviceType{}
	if t.handle, err = handle("rosidl_typesupport_c__get_service_type_support_handle__" + pkg + "__srv__" + name); err != nil {
		return nil, &TypeSupportError{Type: typeName, Err: err}
	}
	for _, part := range []struct {
		suffix string
		dst    **rawType
	}{{"Request", &t.req}, {"Response", &t.resp}} {
		rt := &rawType{name: typeName + "_" + part.suffix}
		c := pkg + "__srv__" + name + "_" + part.suffix
		if rt.handle, err = handle("rosidl_typesupport_c__get_message_type_support_handle__" + c); err == nil {
			if rt.create, err = dlsym(genLib, c+"__create"); err == nil {
				rt.destroy, err = dlsym(genLib, c+"__destroy")
			}
		}
		if err != nil {
			return nil, &TypeSupportError{Type: typeName, Err: err}
		}
		*part.dst = rt
	}
	srvTypes[typeName] = t
	return t, nil
}

func dlopen(lib string) (unsafe.Pointer, error) {
	cs := C.CString(lib)
	defer C.free(unsafe.Pointer(cs))
	h := C.dlopen(cs, C.RTLD_LAZY)
	if h == nil {
		return nil, errors.New(C.GoString(C.dlerror()))
	}
	return h, nil
}

func dlsym(lib unsafe.Pointer, sym string) (unsafe.Pointer, error) {
	cs := C.CString(sym)
	defer C.free(unsafe.Pointer(cs))
	C.dlerror()
	p := C.dlsym(lib, cs)
	if p == nil {
		return nil, fmt.Errorf("%s: %s", sym, C.GoString(C.dlerror()))
	}
	return p, nil
}
