import CCurses

/// The ncursesw this process loaded, as it reports itself at run time (`curses_version`).
public enum CursesLibrary {
    /// e.g. "ncurses 6.4.20221231".
    public static var version: String { String(cString: CCurses_version()) }
}
