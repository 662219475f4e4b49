import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { areasApi, type Area } from '@/api'
import { isWithin, topAreas } from '@/utils/areas'

const STORAGE_PREFIX = 'tongxin.currentArea.'

/**
 * The area tree of the user's scope (loaded level by level) and the "current
 * area" that the pages work on.
 */
export const useAreaStore = defineStore('area', () => {
  const scopeTops = ref<Area[]>([])
  const current = ref<Area | null>(null)
  /** Ancestors of the current area, top down (not including it). */
  const currentAncestors = ref<Area[]>([])
  const loaded = ref(false)
  const children = new Map<string, Area[]>()
  let userKey = ''

  const currentCode = computed(() => current.value?.code ?? '')

  function inScope(code: string): boolean {
    return scopeTops.value.some((t) => isWithin(code, t.code))
  }

  function remember(items: Area[]): void {
    const byParent = new Map<string, Area[]>()
    for (const a of items) {
      if (!a.parent_code) continue
      const list = byParent.get(a.parent_code) ?? []
      if (!list.some((x) => x.code === a.code)) list.push(a)
      byParent.set(a.parent_code, list)
    }
    for (const [code, list] of byParent) children.set(code, list.sort((a, b) => a.code.localeCompare(b.code)))
  }

  /** Loads the tops of the scope and restores the last current area of this user. */
  async function init(userId: number): Promise<void> {
    userKey = STORAGE_PREFIX + userId
    const { items } = await areasApi.list({ depth: 1 })
    scopeTops.value = topAreas(items)
    remember(items)
    for (const t of scopeTops.value) if (!children.has(t.code)) children.set(t.code, [])
    loaded.value = true

    let saved = ''
    try {
      saved = localStorage.getItem(userKey) ?? ''
    } catch {
      // ignore
    }
    const top = scopeTops.value.find((t) => t.code === saved)
    if (saved && !top && inScope(saved)) {
      try {
        const d = await areasApi.get(saved)
        current.value = d.area
        currentAncestors.value = d.ancestors
        return
      } catch {
        // fall back to the first top
      }
    }
    setCurrent(top ?? scopeTops.value[0] ?? null, [])
  }

  /** Children of an area, from the cache or the API. */
  async function loadChildren(code: string): Promise<Area[]> {
    const hit = children.get(code)
    if (hit && hit.length > 0) return hit
    const { items } = await areasApi.list({ root: code, depth: 1 })
    const list = items.filter((a) => a.parent_code === code).sort((a, b) => a.code.localeCompare(b.code))
    children.set(code, list)
    return list
  }

  function setCurrent(area: Area | null, ancestors?: Area[]): void {
    current.value = area
    if (ancestors) currentAncestors.value = ancestors
    try {
      if (area && userKey) localStorage.setItem(userKey, area.code)
    } catch {
      // ignore
    }
  }

  /** Makes the area with this code current, fetching it (and its ancestors) when needed. */
  async function selectCode(code: string): Promise<void> {
    if (code === current.value?.code) return
    const d = await areasApi.get(code)
    setCurrent(d.area, d.ancestors)
  }

  function reset(): void {
    scopeTops.value = []
    current.value = null
    currentAncestors.value = []
    loaded.value = false
    children.clear()
    userKey = ''
  }

  return {
    scopeTops,
    current,
    currentCode,
    currentAncestors,
    loaded,
    inScope,
    init,
    loadChildren,
    setCurrent,
    selectCode,
    reset,
  }
})
