// MARK: - The mouse (only when turned on with `--mouse`)

extension CockpitState {
    /// Wheel turns scroll the pane under the pointer (three rows a notch); a click focuses
    /// the pane under it, and on a job's row selects that job. Overlays take keys only.
    mutating func handle(_ mouse: MouseEvent, _ effects: inout [CockpitEffect]) {
        guard case .none = overlay else { return }
        guard let (pane, rect) = layout.panes.first(where: { _, rect in
            mouse.x >= rect.x && mouse.x < rect.maxX && mouse.y >= rect.y && mouse.y < rect.maxY
        }) else { return }
        if focus != pane { setFocus(pane) }
        switch mouse.kind {
        case .wheelUp, .wheelDown:
            let action: KeyAction = mouse.kind == .wheelUp ? .moveUp : .moveDown
            for _ in 0..<3 { performPane(action, &effects) }
        case .press:
            guard pane == .jobs, !jobs.visible.isEmpty else { return }
            // The body's first row is the column header; the rows below start at `jobs.top`.
            let row = mouse.y - Layout.interior(of: rect).y - 1
            let index = jobs.top + row
            guard row >= 0, index < jobs.visible.count else { return }
            select(jobs.visible[index].id, &effects)
        }
    }
}
