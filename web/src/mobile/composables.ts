import { ref } from 'vue'
import { isNetworkError, mCaseApi } from './api'
import type { Category } from './api/types'

const CACHE_KEY = 'tongxin.m.categories'
const categories = ref<Category[]>([])
let loading: Promise<Category[]> | null = null

/**
 * All categories, fetched once and shared by the report forms. The last list
 * is kept in localStorage so that a report can be written offline.
 */
export function loadCategories(force = false): Promise<Category[]> {
  if (!loading || force) {
    loading = mCaseApi
      .categories()
      .then((r) => {
        categories.value = r.items
        try {
          localStorage.setItem(CACHE_KEY, JSON.stringify(r.items))
        } catch {
          // storage full or unavailable
        }
        return r.items
      })
      .catch((e) => {
        loading = null
        const cached = cachedCategories()
        if (isNetworkError(e) && cached.length) {
          categories.value = cached
          return cached
        }
        throw e
      })
  }
  return loading
}

function cachedCategories(): Category[] {
  try {
    return JSON.parse(localStorage.getItem(CACHE_KEY) ?? '[]') as Category[]
  } catch {
    return []
  }
}

export function useCategories() {
  return { categories, loadCategories }
}

const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine)
if (typeof window !== 'undefined') {
  window.addEventListener('online', () => (online.value = true))
  window.addEventListener('offline', () => (online.value = false))
}

/** navigator.onLine as a ref. */
export function useOnline() {
  return online
}
