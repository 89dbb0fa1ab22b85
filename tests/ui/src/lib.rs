//! The compile-time checks of the macros live in `tests/ui.rs`, with their cases in `pass/`
//! and `fail/`; this crate holds nothing else.
