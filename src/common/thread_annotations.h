// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html).
//
// With clang and -Wthread-safety the compiler proves, function by function, that
// state marked HERMES_GUARDED_BY(mu) is only touched with `mu` held and that
// functions marked HERMES_REQUIRES(mu) are only called with it held. Other
// compilers see empty macros. scripts/thread-safety.sh builds hermes with
// clang-14 -Wthread-safety -Werror (in .ci/run). libstdc++'s std::mutex carries no
// annotations, so shared state uses hermes::Mutex and hermes::MutexLock
// (common/mutex.h), which do.
//
// The analysis follows lock expressions by name: a field guarded by another
// object's mutex cannot be declared; such state says so in a comment instead.
#pragma once

#if defined(__clang__)
#define HERMES_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define HERMES_THREAD_ANNOTATION(x)
#endif

// On a class: it is a lock ("mutex"), or an RAII object that holds one.
#define HERMES_CAPABILITY(name) HERMES_THREAD_ANNOTATION(capability(name))
#define HERMES_SCOPED_CAPABILITY HERMES_THREAD_ANNOTATION(scoped_lockable)

// On data: read and written only with the lock held (PT_: the pointee).
#define HERMES_GUARDED_BY(x) HERMES_THREAD_ANNOTATION(guarded_by(x))
#define HERMES_PT_GUARDED_BY(x) HERMES_THREAD_ANNOTATION(pt_guarded_by(x))

// On a lock: the order in which it is taken relative to others.
#define HERMES_ACQUIRED_BEFORE(...) HERMES_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define HERMES_ACQUIRED_AFTER(...) HERMES_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))

// On functions: the caller must hold (REQUIRES) or must not hold (EXCLUDES) the
// locks; the function takes (ACQUIRE) or gives up (RELEASE) them.
#define HERMES_REQUIRES(...) HERMES_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define HERMES_EXCLUDES(...) HERMES_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define HERMES_ACQUIRE(...) HERMES_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define HERMES_RELEASE(...) HERMES_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define HERMES_ASSERT_CAPABILITY(x) HERMES_THREAD_ANNOTATION(assert_capability(x))
#define HERMES_RETURN_CAPABILITY(x) HERMES_THREAD_ANNOTATION(lock_returned(x))

// Turns the analysis off for one function; say why next to each use.
#define HERMES_NO_THREAD_SAFETY_ANALYSIS HERMES_THREAD_ANNOTATION(no_thread_safety_analysis)
