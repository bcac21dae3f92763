import FlightdeckCore
import Foundation

/// The `:` command line.
extension CockpitState {
    mutating func run(command text: String, _ effects: inout [CockpitEffect]) {
        switch CockpitCommand.parse(text) {
        case .failure(let problem): show(problem.message, error: true)
        case .success(let command):
            switch command {
            case .quit: effects.append(.quit)
            case .help: overlay = .help(scroll: 0)
            case .jobs:
                jobs.textFilter = ""
                jobs.statusFilter = .all
                jobs.refresh()
                ensureSelection(&effects)
                setFocus(.jobs)
            case .context(let name):
                effects.append(.switchContext(name))
                show("switching to context \(name)")
            case .theme(let name): effects.append(.loadTheme(name))
            case .submit:
                if let refusal = refusal(for: .submit) { show(refusal, error: true) } else { overlay = .taskForm(TaskForm()) }
            case .filter(let filter): apply(filter, &effects)
            }
        }
    }

    mutating func apply(_ filter: CockpitCommand.Filter, _ effects: inout [CockpitEffect]) {
        if filter.isEmpty {
            jobs.textFilter = ""
            jobs.statusFilter = .all
            trace.kinds = Set(TraceKind.allCases)
            trace.phase = nil
        }
        if let status = filter.status { jobs.statusFilter = status }
        if let text = filter.text { jobs.textFilter = text }
        if let kinds = filter.kinds { trace.kinds = kinds }
        if let phase = filter.phase { trace.phase = phase.rawValue == "ALL" ? nil : phase }
        jobs.refresh()
        ensureSelection(&effects)
        rebuildTraceRows(keeping: trace.cursorRecord)
    }
}
