/// placeholder
public enum Admitter {
    public static let leaseName = "flightdeck-admission"
}
