import ErlangTerm

/// The checks run after each step, each from what the node reports.
enum StepChecks {
    typealias Check = RehearsalReport.Check

    /// Every loaded module of the release runs its beam's code, and no module still has old code loaded.
    static func code(_ state: NodeState, expected: ReleaseCode, version: String) -> Check {
        var stale = [String]()
        for (module, md5) in state.loaded {
            if let wanted = expected.md5[module], wanted != md5 { stale.append("\(module) (\(expected.application[module] ?? "?"))") }
        }
        let old = state.oldCode.filter { expected.md5[$0] != nil }
        var problems = [String]()
        if !stale.isEmpty { problems.append("not on version \(version)'s code: \(stale.sorted().prefix(20).joined(separator: ", "))") }
        if !old.isEmpty { problems.append("old code still loaded (a process may still run it): \(old.sorted().prefix(20).joined(separator: ", "))") }
        let checked = state.loaded.keys.filter { expected.md5[$0] != nil }.count
        return Check(name: "code", ok: problems.isEmpty,
                     detail: problems.isEmpty ? "\(checked) loaded modules run version \(version)'s code; no old code" : problems.joined(separator: "; "))
    }

    /// Supervised processes that existed before the step are alive with the same pids, except those of
    /// applications the step restarts and children the step removes; no supervisor is gone.
    static func processes(before: NodeState, after: NodeState, restarted: Set<String>) -> Check {
        var problems = [String]()
        let afterByPid = Dictionary(after.supervisors.map { (TermWriter.render($0.pid), $0) }, uniquingKeysWith: { first, _ in first })
        var kept = 0
        for supervisor in before.supervisors where !(supervisor.application.map(restarted.contains) ?? false) {
            guard let now = afterByPid[TermWriter.render(supervisor.pid)] else {
                problems.append("supervisor \(supervisor.label)\(supervisor.application.map { " (\($0))" } ?? "") is gone")
                continue
            }
            guard let children = supervisor.children, let current = now.children else { continue }
            for (id, child) in children where child.isPid {
                guard let match = current.first(where: { $0.id == id }) else { continue }  // removed on purpose
                if match.child == child { kept += 1; continue }
                problems.append("child \(TermWriter.render(id)) of \(supervisor.label) " + (match.child.isPid ? "was restarted (\(TermWriter.render(child)) -> \(TermWriter.render(match.child)))" : "is \(TermWriter.render(match.child)), not running"))
            }
        }
        return Check(name: "processes", ok: problems.isEmpty,
                     detail: problems.isEmpty ? "\(kept) supervised processes kept their pids" : problems.prefix(20).joined(separator: "; "))
    }

    /// No child of any supervisor is `undefined` or `restarting` that was running before or is new.
    static func supervision(before: NodeState?, after: NodeState) -> Check {
        var problems = [String]()
        let beforeByPid = Dictionary((before?.supervisors ?? []).map { (TermWriter.render($0.pid), $0) }, uniquingKeysWith: { first, _ in first })
        for supervisor in after.supervisors {
            guard let children = supervisor.children else { continue }
            let previous = beforeByPid[TermWriter.render(supervisor.pid)]?.children
            for (id, child) in children where !child.isPid {
                let was = previous?.first { $0.id == id }?.child
                if let was, !was.isPid { continue }  // not running before either (a transient child that finished)
                problems.append("child \(TermWriter.render(id)) of \(supervisor.label) is \(TermWriter.render(child))\(was == nil ? " (new in this step, never started)" : "")")
            }
        }
        return Check(name: "supervision", ok: problems.isEmpty,
                     detail: problems.isEmpty ? "every child of \(after.supervisors.count) supervisors is running" : problems.prefix(20).joined(separator: "; "))
    }

    /// After a cold boot the node runs the same code as after the hot upgrade, for every module loaded in both.
    static func parity(hot: NodeState, cold: NodeState) -> Check {
        let differing = cold.loaded.compactMap { module, md5 -> String? in
            guard let hotMD5 = hot.loaded[module], hotMD5 != md5 else { return nil }
            return module
        }
        var problems = [String]()
        if !differing.isEmpty { problems.append("the cold boot runs other code than the hot upgrade left for: \(differing.sorted().prefix(20).joined(separator: ", "))") }
        let onlyCold = cold.applications.filter { hot.applications[$0.key] != $0.value }.map { "\($0.key) \($0.value)" }.sorted()
        let onlyHot = hot.applications.filter { cold.applications[$0.key] != $0.value }.map { "\($0.key) \($0.value)" }.sorted()
        if !onlyCold.isEmpty { problems.append("running after the cold boot but not after the hot upgrade: \(onlyCold.joined(separator: ", "))") }
        if !onlyHot.isEmpty { problems.append("running after the hot upgrade but not after the cold boot: \(onlyHot.joined(separator: ", "))") }
        return Check(name: "parity", ok: problems.isEmpty,
                     detail: problems.isEmpty ? "the cold-booted node runs the hot-upgraded node's code and the same \(cold.applications.count) applications"
                                              : problems.joined(separator: "; "))
    }
}

extension Term {
    var isPid: Bool {
        if case .pid = self { return true }
        return false
    }
}
