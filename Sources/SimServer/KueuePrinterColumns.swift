import FlightdeckCore
import KubeModel

/// The `additionalPrinterColumns` of Kueue's CRDs (v1beta1), as kube-apiserver's CRD table
/// converter prints them: `Name`, then each column's JSONPath value, `Age` where the CRD
/// declares it. ResourceFlavor declares none, so it gets the generic Name/Created At.
///
/// Why not a generic JSONPath evaluator: the sim serves five fixed kinds; each cell is the
/// field the CRD names, read defensively (a wrong type prints as empty, as a JSONPath miss does).
enum KueuePrinterColumns {
    struct Column {
        var name: String
        var type: String
        var priority: Int = 0
        var description: String = ""
    }

    static func columns(_ type: ResourceType) -> [Column] {
        let name = Column(name: "Name", type: "string", description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
        let age = Column(name: "Age", type: "date", description: "Time this workload was created")
        switch type {
        case .clusterQueues:
            return [name,
                Column(name: "Cohort", type: "string", description: "Cohort that this ClusterQueue belongs to"),
                Column(name: "Strategy", type: "string", priority: 1, description: "The queueing strategy used to prioritize workloads"),
                Column(name: "Pending Workloads", type: "integer", description: "Number of pending workloads"),
                Column(name: "Admitted Workloads", type: "integer", priority: 1, description: "Number of admitted workloads that haven't finished yet.")]
        case .localQueues:
            return [name,
                Column(name: "ClusterQueue", type: "string", description: "Backing ClusterQueue"),
                Column(name: "Pending Workloads", type: "integer", description: "Number of pending workloads"),
                Column(name: "Admitted Workloads", type: "integer", description: "Number of admitted workloads that haven't finished yet.")]
        case .workloads:
            return [name,
                Column(name: "Queue", type: "string", description: "Name of the queue this workload was submitted to"),
                Column(name: "Reserved in", type: "string", description: "Name of the ClusterQueue where the workload is reserving quota"),
                Column(name: "Admitted", type: "string", description: "Admission status"),
                Column(name: "Finished", type: "string", description: "Workload finished"),
                age]
        case .workloadPriorityClasses:
            return [name, Column(name: "Value", type: "integer", description: "Value of workloadPriorityClass's Priority")]
        default:
            return [name]
        }
    }

    static func cells(_ type: ResourceType, _ object: JSONValue, age: JSONValue) -> [JSONValue] {
        let name = JSONValue.string(object[path: ["metadata", "name"]]?.stringValue ?? "")
        func string(_ path: [String]) -> JSONValue {
            object[path: path]?.stringValue.map(JSONValue.string) ?? .null
        }
        func integer(_ path: [String]) -> JSONValue {
            object[path: path].flatMap { Int(jsonValue: $0) }.map { JSONValue.integer(Int64($0)) } ?? .null
        }
        func condition(_ type: String) -> JSONValue {
            let conditions = object[path: ["status", "conditions"]]?.arrayValue ?? []
            guard let match = conditions.first(where: { $0["type"]?.stringValue == type }) else { return .null }
            return match["status"]?.stringValue.map(JSONValue.string) ?? .null
        }
        switch type {
        case .clusterQueues:
            return [name, string(["spec", "cohort"]), string(["spec", "queueingStrategy"]),
                integer(["status", "pendingWorkloads"]), integer(["status", "admittedWorkloads"])]
        case .localQueues:
            return [name, string(["spec", "clusterQueue"]), integer(["status", "pendingWorkloads"]),
                integer(["status", "admittedWorkloads"])]
        case .workloads:
            return [name, string(["spec", "queueName"]), string(["status", "admission", "clusterQueue"]),
                condition("Admitted"), condition("Finished"), age]
        case .workloadPriorityClasses:
            return [name, integer(["value"])]
        default:
            return [name]
        }
    }
}
