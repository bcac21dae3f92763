/// How the job list is ordered (`o` cycles, `O` reverses).
public enum JobSort: String, Sendable, Hashable, CaseIterable {
    case age, name, status, phase

    var next: JobSort { JobSort.allCases[(JobSort.allCases.firstIndex(of: self)! + 1) % JobSort.allCases.count] }
}
