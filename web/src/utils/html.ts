// Text from the data (area names, case titles, campaign names …) handed to a
// component that takes HTML — Leaflet tooltips, popups and divIcons, chart
// formatters — goes through escapeHtml, so that a name is shown as written
// and never parsed as markup.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** The text with the five characters that are markup in HTML (and attribute values) escaped. */
export function escapeHtml(s: string | number | null | undefined): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}
