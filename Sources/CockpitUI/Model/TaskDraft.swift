/// A new task as the operator filled the form in; empty fields mean "the default".
public struct TaskDraft: Sendable, Hashable {
    public var image: String
    public var prompt: String
    public var repoURL: String
    public var templatePath: String

    public init(image: String = "", prompt: String = "", repoURL: String = "", templatePath: String = "") {
        self.image = image
        self.prompt = prompt
        self.repoURL = repoURL
        self.templatePath = templatePath
    }

    /// The form's fields, in Tab order.
    public enum Field: Int, Sendable, Hashable, CaseIterable {
        case prompt, image, repoURL, templatePath

        public var label: String {
            switch self {
            case .prompt: "Prompt"
            case .image: "Image"
            case .repoURL: "Repo URL"
            case .templatePath: "Template"
            }
        }
    }

    public subscript(field: Field) -> String {
        get {
            switch field {
            case .prompt: prompt
            case .image: image
            case .repoURL: repoURL
            case .templatePath: templatePath
            }
        }
        set {
            switch field {
            case .prompt: prompt = newValue
            case .image: image = newValue
            case .repoURL: repoURL = newValue
            case .templatePath: templatePath = newValue
            }
        }
    }
}
