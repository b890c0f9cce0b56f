// The C++ op observer's nesting rule (instrumentation/python/mpstrace/torch_hook_nesting.h),
// without torch: a run of op starts and ends as the observer sees them, and which
// ops' accesses are recorded. Built and run by test/torch-native.test.ts.
#include "torch_hook_nesting.h"

#include <cstdio>
#include <string>
#include <vector>

namespace {
int failures = 0;

void expect(bool ok, const char *what) {
  if (!ok) {
    std::printf("FAIL %s\n", what);
    failures++;
  }
}

// One thread's ops: "(T" opens an op that touches bytes, "(N" one that does not
// (a composite, a view), ")" closes the innermost. Returns, in start order, the
// touching ops recorded ("T1" first touching op ...), as the observer would write them.
std::string run(const char *seq) {
  TouchNesting<8> n;
  std::vector<int> ids;  // per open depth: touching-op number, 0 for others
  std::vector<bool> rec;
  std::string out;
  int count = 0;
  for (const char *p = seq; *p; p++) {
    if (*p == '(') {
      int d = (int)ids.size();
      n.start(d);
      bool t = p[1] == 'T';
      bool r = t && n.touches(d);
      ids.push_back(t ? ++count : 0);
      rec.push_back(r);
      p++;
    } else if (*p == ')') {
      int d = (int)ids.size() - 1;
      bool r = n.end(d);
      if (r != rec.back()) std::printf("FAIL end() of depth %d says %d, start said %d\n", d, r, (int)rec.back());
      if (r) out += "T" + std::to_string(ids.back()) + " ";
      ids.pop_back();
      rec.pop_back();
    }
  }
  if (n.open != 0) out += "(open left " + std::to_string(n.open) + ")";
  return out;
}
}  // namespace

int main() {
  // a top-level op alone, then another: both recorded
  expect(run("(T)(T)") == "T1 T2 ", "two top-level ops");
  // _to_copy with copy_ inside: the outer op only (the race would count twice otherwise)
  expect(run("(T(T))") == "T1 ", "nested op not recorded");
  // deeper: an op inside an op inside an op
  expect(run("(T(T(T))(T))") == "T1 ", "deeply nested ops not recorded");
  // linear (composite: touches nothing itself) calling t and addmm: its parts are recorded
  expect(run("(N(N)(T))") == "T1 ", "composite's part recorded");
  expect(run("(N(T(T))(T))") == "T1 T3 ", "composite's parts recorded, their nested ops not");
  // after a nested op ends, the next top-level op is recorded again
  expect(run("(T(T))(N)(T)") == "T1 T3 ", "recording resumes after the outer op ends");
  if (failures == 0) std::printf("ok %d\n", 6);
  return failures == 0 ? 0 : 1;
}
