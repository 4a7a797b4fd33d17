// Valgrind memcheck client requests as functions Swift can call (they are macros in memcheck.h).
// Outside valgrind each request is a few no-op instructions; without the header they compile to nothing.
#ifndef COFFER_VALGRIND_SHIM_H
#define COFFER_VALGRIND_SHIM_H

#include <stddef.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define COFFER_HAVE_VALGRIND 1
#endif
#endif

/// Marks bytes as undefined: memcheck then reports any branch or address computed from them.
static inline void coffer_valgrind_mark_secret(const void *bytes, size_t count) {
#ifdef COFFER_HAVE_VALGRIND
    VALGRIND_MAKE_MEM_UNDEFINED(bytes, count);
#else
    (void)bytes; (void)count;
#endif
}

/// Marks bytes as defined again (declassifies a result that is about to be published).
static inline void coffer_valgrind_declassify(const void *bytes, size_t count) {
#ifdef COFFER_HAVE_VALGRIND
    VALGRIND_MAKE_MEM_DEFINED(bytes, count);
#else
    (void)bytes; (void)count;
#endif
}

/// 1 when running under valgrind, 0 otherwise (or when the header was missing at build time).
static inline int coffer_valgrind_running(void) {
#ifdef COFFER_HAVE_VALGRIND
    return (int)RUNNING_ON_VALGRIND;
#else
    return 0;
#endif
}

/// The number of errors memcheck has reported so far.
static inline unsigned coffer_valgrind_error_count(void) {
#ifdef COFFER_HAVE_VALGRIND
    return (unsigned)VALGRIND_COUNT_ERRORS;
#else
    return 0;
#endif
}

#endif
