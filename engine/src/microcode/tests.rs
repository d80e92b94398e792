//! Translator unit tests: the shape of the microcode for small bodies.
