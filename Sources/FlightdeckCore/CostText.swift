import Foundation

/// Money as a listing or the cockpit shows it: rounded to cents, with the currency's sign where
/// there is a common one (`€0.42`, `$3.10`), else its code (`0.42 CHF`); never negative.
/// `ascii` (a terminal without UTF-8): only `$` of the signs is ASCII, the others are codes.
public enum CostText {
    static let signs = ["EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"]

    public static func amount(_ value: Decimal, currency: String?, ascii: Bool = false) -> String {
        var exact = max(0, value)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 2, .plain)
        let cents = NSDecimalNumber(decimal: rounded * 100).int64Value
        let digits = "\(cents / 100)." + String(format: "%02lld", cents % 100)
        // A cost below a cent is not nothing.
        let text = exact > 0 && cents == 0 ? "<" + with(currency, "0.01", ascii) : with(currency, digits, ascii)
        return text
    }

    private static func with(_ currency: String?, _ digits: String, _ ascii: Bool) -> String {
        guard let currency else { return digits }
        if let sign = signs[currency], !ascii || sign.allSatisfy(\.isASCII) { return sign + digits }
        return digits + " " + currency
    }
}
