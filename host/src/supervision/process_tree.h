#pragma once

// Process trees from /proc, for the node as child subreaper of its modules' descendants
// (PR_SET_CHILD_SUBREAPER): a process a module started that outlives its parent - a daemon that
// called setsid(), the grandchild of a double fork - is reparented to the node rather than to
// init, so the node can still find it and end it. OrphanReaper does that:
// - the node's own children that are not module processes are orphans of some module; each is
//   attributed to its module by the PLEXUS_MODULE_ID in its environment (inherited from the
//   module, as the spawn contract sets it);
// - when a module exits (unload, crash, the node's shutdown), the process trees of its orphans
//   get SIGKILL; at the node's end, every orphan's tree does;
// - dead orphans are reaped (the node is their parent now) whenever it looks.
// What it cannot do: end a descendant that left the node's tree for good (one that is not an
// orphan while its module runs - a child whose module still lives is the module's business
// until the module exits), or anything after a SIGKILL of the node itself: only a cgroup (the
// systemd unit's KillMode=control-group) covers that. docs/design.md, "Processes".
// Thread rule: loop thread only.

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

// The children of `pid` (every thread's), from /proc/<pid>/task/*/children.
std::vector<pid_t> childrenOf(pid_t pid);

// Its state letter from /proc/PID/stat (R, S, D, T for stopped, t for traced, Z, ...); '\0' when
// it is gone.
char processState(pid_t pid);
// `root` and every descendant of it, parents first.
std::vector<pid_t> processTree(pid_t root);
// The value of `name` in the environment `pid` was started with; nullopt when unreadable or
// absent.
std::optional<std::string> environmentValue(pid_t pid, const std::string& name);

class OrphanReaper {
 public:
  // Is `pid` a module process the spawner watches (and reaps through its pidfd)?
  using IsModule = std::function<bool(pid_t)>;

  // Makes this process the child subreaper; `enabled()` says whether the kernel agreed.
  explicit OrphanReaper(IsModule isModule);
  bool enabled() const { return m_enabled; }

  // The module `moduleId` exited: SIGKILL to the tree of each orphan it left, then reap.
  // Returns how many orphans it killed.
  std::size_t moduleExited(const std::string& moduleId);
  // The node ends: SIGKILL to every orphan's tree, then reap. Returns how many.
  std::size_t killAll();
  // Reaps orphans that died (never a module process: the spawner reaps those).
  void reap();

 private:
  std::vector<pid_t> orphans() const;
  std::size_t kill(const std::function<bool(pid_t)>& select);

  IsModule m_isModule;
  bool m_enabled = false;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
