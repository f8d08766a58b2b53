// Not part of any build: scripts/thread-safety.sh compiles this file and requires
// clang to reject it, which proves the annotations and -Wthread-safety are in
// force (a macro that expanded to nothing would let it through).
#include "common/mutex.h"

namespace hermes {

class Counter {
 public:
  int Read() const { return count_; }  // no lock: must be rejected
  void Bump() { AddLocked(1); }        // no lock: must be rejected
  void Add(int n) {
    MutexLock l(mu_);
    AddLocked(n);
    l.Unlock();
    count_ += n;  // after Unlock(): must be rejected
  }

 private:
  void AddLocked(int n) HERMES_REQUIRES(mu_) { count_ += n; }

  mutable Mutex mu_;
  int count_ HERMES_GUARDED_BY(mu_) = 0;
};

}  // namespace hermes
