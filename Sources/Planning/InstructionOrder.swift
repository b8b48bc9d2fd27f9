/// Orders modules so that what a module calls comes before it; modules that call each other in a
/// cycle stay together (sorted by name) and are reported. Ties are broken by name, so the order is
/// the same on every run.
struct InstructionOrder {
    /// `dependencies[m]`: the modules `m` calls that must come first.
    let dependencies: [String: Set<String>]

    /// The order, and the cycles found (each sorted).
    func sorted(_ modules: [String]) -> (order: [String], cycles: [[String]]) {
        let components = stronglyConnectedComponents(modules)
        var componentOf = [String: Int]()
        for (index, component) in components.enumerated() { for module in component { componentOf[module] = index } }
        // Edges between components: a component must follow those it depends on.
        var waitingOn = [Int: Set<Int>]()
        var dependents = [Int: Set<Int>]()
        for (index, component) in components.enumerated() {
            for module in component {
                for dependency in dependencies[module] ?? [] {
                    guard let other = componentOf[dependency], other != index else { continue }
                    waitingOn[index, default: []].insert(other)
                    dependents[other, default: []].insert(index)
                }
            }
        }
        let key = components.map { $0.first ?? "" }
        var ready = components.indices.filter { (waitingOn[$0] ?? []).isEmpty }
        var order = [String]()
        while !ready.isEmpty {
            ready.sort { key[$0].utf8.lexicographicallyPrecedes(key[$1].utf8) }
            let next = ready.removeFirst()
            order += components[next]
            for dependent in dependents[next] ?? [] {
                waitingOn[dependent]?.remove(next)
                if waitingOn[dependent]?.isEmpty == true { ready.append(dependent) }
            }
        }
        return (order, components.filter { $0.count > 1 })
    }

    /// The strongly connected components of `modules`, each sorted by name.
    func components(_ modules: [String]) -> [[String]] { stronglyConnectedComponents(modules) }

    /// Tarjan's algorithm; each component sorted by name.
    private func stronglyConnectedComponents(_ modules: [String]) -> [[String]] {
        let set = Set(modules)
        var index = 0
        var indices = [String: Int](), lowLinks = [String: Int]()
        var stack = [String](), onStack = Set<String>()
        var components = [[String]]()
        func connect(_ module: String) {
            indices[module] = index
            lowLinks[module] = index
            index += 1
            stack.append(module)
            onStack.insert(module)
            for dependency in (dependencies[module] ?? []).sorted() where set.contains(dependency) {
                if indices[dependency] == nil {
                    connect(dependency)
                    lowLinks[module] = min(lowLinks[module]!, lowLinks[dependency]!)
                } else if onStack.contains(dependency) {
                    lowLinks[module] = min(lowLinks[module]!, indices[dependency]!)
                }
            }
            if lowLinks[module] == indices[module] {
                var component = [String]()
                while let top = stack.popLast() {
                    onStack.remove(top)
                    component.append(top)
                    if top == module { break }
                }
                components.append(component.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            }
        }
        for module in modules.sorted() where indices[module] == nil { connect(module) }
        return components
    }
}
