/// <reference types="vite/client" />

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

interface Window {
  /** Exposed by the map page for the browser tests. */
  __txMap?: { featureCount: number; level: string; area: string }
}
