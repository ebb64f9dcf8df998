//! The real kubectl against the `mock-apiserver` binary.
