// Generated from themes/dark.yaml; a test keeps the two equal. To change the default theme,
// edit themes/dark.yaml and paste it here between the delimiters.

/// The default theme's text, embedded so that a missing or broken theme file falls back to
/// a working cockpit instead of an unstyled one.
public enum DefaultTheme {
    public static let name = "dark"

    public static let yaml = #"""
# Flightdeck theme: dark (the default; embedded in the binary as a fallback).
palette:
  bg: "#1a1b26"
  panel: "#16161e"
  fg: "#c0caf5"
  muted: "#565f89"
  faint: "#3b4261"
  selection: "#283457"
  blue: "#7aa2f7"
  cyan: "#7dcfff"
  green: "#9ece6a"
  yellow: "#e0af68"
  orange: "#ff9e64"
  red: "#f7768e"
  magenta: "#bb9af7"
  teal: "#73daca"
slots:
  base: { fg: fg, bg: bg }
  border: { fg: faint, bg: bg }
  border.focused: { fg: blue, bg: bg }
  pane.title: { fg: muted, bg: bg }
  pane.titleFocused: { fg: blue, bg: bg, attrs: [bold] }
  jobList.header: { fg: muted, bg: bg, attrs: [bold] }
  jobList.row: { fg: fg, bg: bg }
  jobList.selected: { fg: fg, bg: selection, attrs: [bold] }
  jobList.marked: { fg: magenta, bg: bg }
  jobList.deleted: { fg: muted, bg: bg, attrs: [dim] }
  jobList.reason: { fg: orange, bg: bg, attrs: [italic] }
  jobList.status.pending: { fg: yellow, bg: bg }
  jobList.status.suspended: { fg: muted, bg: bg }
  jobList.status.queued: { fg: blue, bg: bg }
  jobList.status.running: { fg: cyan, bg: bg, attrs: [bold] }
  jobList.status.succeeded: { fg: green, bg: bg }
  jobList.status.failed: { fg: red, bg: bg, attrs: [bold] }
  jobList.status.deleted: { fg: muted, bg: bg, attrs: [dim] }
  jobList.overBudget: { fg: red, bg: bg, attrs: [bold] }
  trace.timestamp: { fg: muted, bg: bg }
  trace.phase: { fg: magenta, bg: bg }
  trace.thought: { fg: fg, bg: bg, attrs: [italic] }
  trace.action: { fg: blue, bg: bg }
  trace.tool: { fg: cyan, bg: bg, attrs: [bold] }
  trace.observation: { fg: teal, bg: bg }
  trace.observationFailed: { fg: orange, bg: bg }
  trace.message: { fg: fg, bg: bg }
  trace.error: { fg: red, bg: bg, attrs: [bold] }
  trace.selected: { fg: fg, bg: selection }
  trace.searchMatch: { fg: bg, bg: yellow, attrs: [bold] }
  trace.badge: { fg: bg, bg: orange, attrs: [bold] }
  trace.fold: { fg: muted, bg: bg, attrs: [italic] }
  trace.jobLabel: { fg: magenta, bg: bg }
  timeline.axis: { fg: muted, bg: bg }
  timeline.label: { fg: fg, bg: bg }
  timeline.strategic: { fg: magenta, bg: bg }
  timeline.tactical: { fg: blue, bg: bg }
  timeline.otherPhase: { fg: muted, bg: bg }
  timeline.cursor: { fg: bg, bg: yellow }
  timeline.marker.podRestart: { fg: orange, bg: bg, attrs: [bold] }
  timeline.marker.retry: { fg: yellow, bg: bg, attrs: [bold] }
  timeline.marker.checkpoint: { fg: green, bg: bg, attrs: [bold] }
  timeline.marker.failure: { fg: red, bg: bg, attrs: [bold] }
  files.directory: { fg: blue, bg: bg, attrs: [bold] }
  files.file: { fg: fg, bg: bg }
  files.selected: { fg: fg, bg: selection, attrs: [bold] }
  files.meta: { fg: muted, bg: bg }
  files.stale: { fg: orange, bg: bg, attrs: [bold] }
  files.preview: { fg: fg, bg: panel }
  statusBar.base: { fg: fg, bg: panel }
  statusBar.context: { fg: blue, bg: panel, attrs: [bold] }
  statusBar.connected: { fg: green, bg: panel }
  statusBar.reconnecting: { fg: yellow, bg: panel, attrs: [bold] }
  statusBar.down: { fg: red, bg: panel, attrs: [bold] }
  statusBar.readOnly: { fg: bg, bg: orange, attrs: [bold] }
  statusBar.hint: { fg: muted, bg: panel }
  statusBar.message: { fg: green, bg: panel }
  statusBar.error: { fg: red, bg: panel, attrs: [bold] }
  statusBar.usage: { fg: teal, bg: panel }
  statusBar.overBudget: { fg: red, bg: panel, attrs: [bold] }
  dialog.base: { fg: fg, bg: panel }
  dialog.border: { fg: blue, bg: panel }
  dialog.title: { fg: blue, bg: panel, attrs: [bold] }
  dialog.field: { fg: fg, bg: faint }
  dialog.fieldFocused: { fg: fg, bg: selection, attrs: [underline] }
  dialog.danger: { fg: red, bg: panel, attrs: [bold] }
  help.key: { fg: cyan, bg: panel, attrs: [bold] }
  commandLine: { fg: fg, bg: panel }

"""#
}
