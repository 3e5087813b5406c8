/* The send patch's hot path in C: a send that ran no receiver, from a caller already seen.
 *
 * Most sends of a test suite run no receiver (pre_init/post_init of every model instance,
 * request_started): for those the pure-Python patch costs an extra Python frame, a repacked
 * **kwargs dict and sys._getframe(), about three times the send itself. A FastSend object
 * replaces Signal.send on the class: it forwards the call to the original method unchanged
 * (vectorcall, no repacking), and when the result is not a non-empty list it bumps the counter
 * that pytest_signaltrace.trace.quiet keeps for (id(signal), id(code) + f_lasti) of the caller.
 * Everything else (a receiver ran, a caller or signal not seen yet, a failure) is handed to the
 * Python functions given at creation, which hold the whole logic: this file adds no behaviour,
 * only speed. Without a compiler the package uses the pure-Python patch instead.
 *
 * Holds no reference to a signal, sender, result or frame after the call returns.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <structmember.h>

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *original; /* the original send function */
    PyObject *live;     /* dict: id(signal) -> dict: id(code) + f_lasti -> itertools.count */
    PyObject *record;   /* record(signal, frame, result): a send the fast path does not take */
    PyObject *failed;   /* failed(signal, frame, exception): a send that raised */
    /* (frame: the caller's, None when no Python frame called: a thread's function run from C) */
    PyObject *dict;     /* __wrapped__, __name__, ... (functools.update_wrapper) */
    PyObject *weakrefs; /* as a function's: weakref.WeakMethod(signal.send) (a weak connect) */
    char active;        /* False once uninstalled: calls pass through */
    PyObject *watched;  /* dict: id(signal) -> ... of signals whose senders are noted, or NULL */
    PyObject *note;     /* note(signal, sender): called for a send of a watched signal */
} FastSend;

/* The counter of a quiet send of `signal` from `frame`, borrowed; NULL if none (no error). */
static PyObject *
quiet_counter(FastSend *self, PyObject *signal, PyFrameObject *frame)
{
    PyObject *key = PyLong_FromVoidPtr(signal); /* id(signal) */
    if (key == NULL) {
        return NULL;
    }
    PyObject *counters = PyDict_GetItemWithError(self->live, key);
    Py_DECREF(key);
    if (counters == NULL || !PyDict_CheckExact(counters)) {
        return NULL;
    }
    int lasti = PyFrame_GetLasti(frame);
    if (lasti < 0) {
        return NULL;
    }
    PyCodeObject *code = PyFrame_GetCode(frame);
    /* id(code) + f_lasti, as the Python side computes it (see trace/quiet.py) */
    PyObject *place = PyLong_FromUnsignedLongLong(
        (unsigned long long)(uintptr_t)code + (unsigned long long)lasti);
    Py_DECREF(code);
    if (place == NULL) {
        return NULL;
    }
    PyObject *counter = PyDict_GetItemWithError(counters, place);
    Py_DECREF(place);
    return counter;
}

/* Whether the error that record() or failed() let out is dropped: an Exception, a fault of the
 * recording (they report their own). Anything else, KeyboardInterrupt from a SIGINT handler run
 * inside them or SystemExit, goes on to the caller, as from the pure-Python patch. */
static int
dropped_callback_error(void)
{
    if (PyErr_ExceptionMatches(PyExc_Exception)) {
        PyErr_Clear();
        return 1;
    }
    return 0;
}

/* Hand the sender of a send of a watched signal to note(signal, sender): the first argument
 * after the signal, else the keyword "sender", else None (see trace/senders_seen.py), unless
 * its kind is noted already (the key SendersSeen.note computes: a str itself, a class's id, else
 * its type's id + 1). Errors are the Python side's to report: dropped here. */
static void
note_sender(FastSend *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *key = PyLong_FromVoidPtr(args[0]); /* id(signal) */
    if (key == NULL) {
        PyErr_Clear();
        return;
    }
    PyObject *seen = PyDict_GetItemWithError(self->watched, key); /* borrowed */
    Py_DECREF(key);
    if (seen == NULL || !PyDict_CheckExact(seen)) {
        PyErr_Clear();
        return;
    }
    PyObject *sender = nargs >= 2 ? args[1] : Py_None;
    if (nargs < 2 && kwnames != NULL) {
        Py_ssize_t count = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t i = 0; i < count; i++) {
            if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, i), "sender") == 0) {
                sender = args[nargs + i];
                break;
            }
        }
    }
    PyObject *kind = PyUnicode_CheckExact(sender) ? Py_NewRef(sender)
                     : PyType_Check(sender)       ? PyLong_FromVoidPtr(sender)
                                                  : PyLong_FromVoidPtr((char *)Py_TYPE(sender) + 1);
    int known = kind != NULL ? PyDict_Contains(seen, kind) : -1;
    Py_XDECREF(kind);
    if (known == 1) {
        return;
    }
    PyErr_Clear();
    PyObject *done = PyObject_CallFunctionObjArgs(self->note, args[0], sender, NULL);
    if (done == NULL) {
        PyErr_Clear();
    }
    Py_XDECREF(done);
}

static PyObject *
fastsend_vectorcall(FastSend *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    if (self->watched != NULL && PyDict_GET_SIZE(self->watched) > 0 && self->active &&
        PyVectorcall_NARGS(nargsf) >= 1) {
        note_sender(self, args, PyVectorcall_NARGS(nargsf), kwnames);
    }
    PyObject *result = PyObject_Vectorcall(self->original, args, nargsf, kwnames);
    if (PyVectorcall_NARGS(nargsf) < 1 || !self->active) {
        return result;
    }
    PyObject *signal = args[0];
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed: the caller's frame */
    PyObject *caller = frame != NULL ? (PyObject *)frame : Py_None;
    if (result == NULL) {
        if (self->failed != Py_None) {
            PyObject *type, *value, *traceback;
            PyErr_Fetch(&type, &value, &traceback);
            PyErr_NormalizeException(&type, &value, &traceback);
            if (traceback != NULL && value != NULL) {
                PyException_SetTraceback(value, traceback);
            }
            PyObject *done = PyObject_CallFunctionObjArgs(
                self->failed, signal, caller, value ? value : Py_None, NULL);
            if (done == NULL && !dropped_callback_error()) {
                /* raised while the send's error is handled: chained to it, as in Python */
                PyObject *type2, *value2, *traceback2;
                PyErr_Fetch(&type2, &value2, &traceback2);
                PyErr_NormalizeException(&type2, &value2, &traceback2);
                if (traceback2 != NULL) {
                    PyException_SetTraceback(value2, traceback2);
                }
                if (value != NULL && value2 != NULL && value2 != value) {
                    PyException_SetContext(value2, Py_NewRef(value));
                }
                PyErr_Restore(type2, value2, traceback2);
                Py_XDECREF(type);
                Py_XDECREF(value);
                Py_XDECREF(traceback);
                return NULL;
            }
            Py_XDECREF(done);
            PyErr_Restore(type, value, traceback);
        }
        return NULL;
    }
    if (frame != NULL && !(PyList_CheckExact(result) && PyList_GET_SIZE(result) > 0)) {
        PyObject *counter = quiet_counter(self, signal, frame);
        if (counter != NULL) {
            PyObject *count = PyIter_Next(counter);
            if (count != NULL) {
                Py_DECREF(count);
                return result;
            }
        }
        if (PyErr_Occurred()) {
            PyErr_Clear(); /* then the Python side records it (and reports a fault) */
        }
    }
    PyObject *done = PyObject_CallFunctionObjArgs(self->record, signal, caller, result, NULL);
    if (done == NULL && !dropped_callback_error()) {
        Py_DECREF(result);
        return NULL;
    }
    Py_XDECREF(done);
    return result;
}

static PyObject *
fastsend_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *original, *live, *record, *failed;
    static char *keywords[] = {"original", "live", "record", "failed", NULL};
    if (!PyArg_ParseTupleAndKeywords(
            args, kwargs, "OO!OO:FastSend", keywords, &original, &PyDict_Type, &live, &record,
            &failed)) {
        return NULL;
    }
    if (!PyCallable_Check(original) || !PyCallable_Check(record)) {
        PyErr_SetString(PyExc_TypeError, "FastSend: original and record must be callable");
        return NULL;
    }
    FastSend *self = (FastSend *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->vectorcall = (vectorcallfunc)fastsend_vectorcall;
    self->original = Py_NewRef(original);
    self->live = Py_NewRef(live);
    self->record = Py_NewRef(record);
    self->failed = Py_NewRef(failed);
    self->dict = NULL;
    self->weakrefs = NULL;
    self->active = 1;
    self->watched = NULL;
    self->note = NULL;
    return (PyObject *)self;
}

/* watch_senders(watched, note): call note(signal, sender) for sends of the signals in the dict
 * watched (by id), before the send (see note_sender). */
static PyObject *
fastsend_watch_senders(FastSend *self, PyObject *args)
{
    PyObject *watched, *note;
    if (!PyArg_ParseTuple(args, "O!O:watch_senders", &PyDict_Type, &watched, &note)) {
        return NULL;
    }
    if (!PyCallable_Check(note)) {
        PyErr_SetString(PyExc_TypeError, "watch_senders: note must be callable");
        return NULL;
    }
    Py_XSETREF(self->watched, Py_NewRef(watched));
    Py_XSETREF(self->note, Py_NewRef(note));
    Py_RETURN_NONE;
}

static int
fastsend_traverse(FastSend *self, visitproc visit, void *arg)
{
    Py_VISIT(self->original);
    Py_VISIT(self->live);
    Py_VISIT(self->record);
    Py_VISIT(self->failed);
    Py_VISIT(self->dict);
    Py_VISIT(self->watched);
    Py_VISIT(self->note);
    return 0;
}

static int
fastsend_clear(FastSend *self)
{
    Py_CLEAR(self->original);
    Py_CLEAR(self->live);
    Py_CLEAR(self->record);
    Py_CLEAR(self->failed);
    Py_CLEAR(self->dict);
    Py_CLEAR(self->watched);
    Py_CLEAR(self->note);
    return 0;
}

static void
fastsend_dealloc(FastSend *self)
{
    PyObject_GC_UnTrack(self);
    if (self->weakrefs != NULL) {
        PyObject_ClearWeakRefs((PyObject *)self);
    }
    fastsend_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* A function's binding: obj.send is a bound method (the interpreter's method call skips it). */
static PyObject *
fastsend_descr_get(PyObject *self, PyObject *obj, PyObject *Py_UNUSED(type))
{
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj);
}

/* As a function's: copy.copy() and deepcopy() return it, pickle saves it by qualified name. */
static PyObject *
fastsend_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyObject_GetAttrString(self, "__qualname__");
}

static PyMethodDef fastsend_methods[] = {
    {"__reduce__", fastsend_reduce, METH_NOARGS, NULL},
    {"watch_senders", (PyCFunction)fastsend_watch_senders, METH_VARARGS,
     "watch_senders(watched, note): note the senders of the watched signals' sends."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef fastsend_members[] = {
    {"active", T_BOOL, offsetof(FastSend, active), 0, "False once the patch is removed."},
    {"original", T_OBJECT, offsetof(FastSend, original), READONLY, "The original send."},
    {NULL},
};

static PyGetSetDef fastsend_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL},
};

static PyTypeObject FastSendType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pytest_signaltrace.trace._fastsend.FastSend",
    .tp_doc = PyDoc_STR(
        "FastSend(original, live, record, failed): a recording send method whose no-receiver "
        "path runs in C."),
    .tp_basicsize = sizeof(FastSend),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_new = fastsend_new,
    .tp_dealloc = (destructor)fastsend_dealloc,
    .tp_traverse = (traverseproc)fastsend_traverse,
    .tp_clear = (inquiry)fastsend_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(FastSend, vectorcall),
    .tp_descr_get = fastsend_descr_get,
    .tp_dictoffset = offsetof(FastSend, dict),
    .tp_weaklistoffset = offsetof(FastSend, weakrefs),
    .tp_methods = fastsend_methods,
    .tp_members = fastsend_members,
    .tp_getset = fastsend_getset,
};

static struct PyModuleDef fastsend_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pytest_signaltrace.trace._fastsend",
    .m_doc = "The send patch's no-receiver path in C (optional; see trace/patches.py).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__fastsend(void)
{
    if (PyType_Ready(&FastSendType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&fastsend_module);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(module, "FastSend", (PyObject *)&FastSendType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
