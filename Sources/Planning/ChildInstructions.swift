import Beam
import ErlangTerm

/// Children a supervisor gains or loses in an upgrade. `{update, Sup, supervisor}` only updates the child
/// specifications: an added child is not started and a removed one keeps running (and, with its module deleted,
/// crashes its supervisor). OTP's appup cookbook ("Changing a Supervisor") prescribes the instructions this adds.
public struct ChildChange: Sendable, Equatable {
    public var supervisor: String
    /// What the `supervisor:*_child/2` calls are given: the supervisor's registered name.
    public var reference: Term
    public var added: [Term]
    public var removed: [Term]
}

enum ChildInstructions {
    /// The child changes of an application's changed supervisors, read from their old and new `init/1`.
    /// Supervisors whose children cannot be read statically get a warning saying what to write by hand.
    static func changes(application: String, changed: [(module: String, new: BeamModule, old: BeamModule)],
                        warnings: inout [AppupWarning]) -> [ChildChange] {
        var result = [ChildChange]()
        for change in changed where change.new.behaviours.contains(where: AppupPlanner.supervisorBehaviours.contains)
            && change.old.behaviours.contains(where: AppupPlanner.supervisorBehaviours.contains) {
            let module = change.module
            let handWritten = "if its children changed, write them by hand in an override (appups/\(application).appup): "
                + "{apply, {supervisor, restart_child, [Sup, Id]}} after {update, \(TermWriter.atomText(module)), supervisor} for each added child, "
                + "{apply, {supervisor, terminate_child, [Sup, Id]}} and {apply, {supervisor, delete_child, [Sup, Id]}} before it for each removed one, "
                + "and the mirror image in the downgrade"
            let new: SupervisorChildren, old: SupervisorChildren
            do {
                new = try SupervisorChildren.read(BeamFile(path: change.new.path), module: module)
                old = try SupervisorChildren.read(BeamFile(path: change.old.path), module: module)
            } catch let error as SupervisorChildren.Unreadable {
                warnings.append(AppupWarning(code: "children_unreadable", application: application, module: module,
                                             message: "the children of supervisor \(module) cannot be read from its beam (\(error.reason)); \(handWritten)"))
                continue
            } catch {
                warnings.append(AppupWarning(code: "children_unreadable", application: application, module: module,
                                             message: "the children of supervisor \(module) cannot be read: \(error); \(handWritten)"))
                continue
            }
            let added = new.ids.filter { !old.ids.contains($0) }
            let removed = old.ids.filter { !new.ids.contains($0) }
            guard !added.isEmpty || !removed.isEmpty else { continue }
            guard let reference = new.reference ?? old.reference else {
                let names = (added.map { "added \(TermWriter.render($0))" } + removed.map { "removed \(TermWriter.render($0))" }).joined(separator: ", ")
                warnings.append(AppupWarning(code: "children_unaddressable", application: application, module: module,
                                             message: "supervisor \(module)'s children changed (\(names)), but no start_link in it registers a name that supervisor:restart_child/2 could be given; \(handWritten)"))
                continue
            }
            result.append(ChildChange(supervisor: module, reference: reference, added: added, removed: removed))
        }
        return result
    }

    static func call(_ function: String, _ change: ChildChange, _ id: Term) -> Term {
        .tuple([.atom("apply"), .tuple([.atom("supervisor"), .atom(function), .list([change.reference, id])])])
    }

    /// Removed children are terminated and deleted before anything else (before their module can be purged and
    /// before the supervisor's update); added children are restarted after everything else (after the update that
    /// gives the supervisor their specifications, and after their modules are loaded). The downgrade mirrors it.
    static func apply(_ changes: [ChildChange], up: inout [Term], down: inout [Term]) {
        func stop(_ change: ChildChange, _ ids: [Term]) -> [Term] {
            ids.flatMap { [call("terminate_child", change, $0), call("delete_child", change, $0)] }
        }
        up = changes.flatMap { stop($0, $0.removed) } + up + changes.flatMap { change in change.added.map { call("restart_child", change, $0) } }
        down = changes.flatMap { stop($0, $0.added) } + down + changes.flatMap { change in change.removed.map { call("restart_child", change, $0) } }
    }
}
