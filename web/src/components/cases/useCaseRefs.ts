// Reference data of the case pages, loaded once and shared: the categories
// and the departments (units of kind "department").
import { computed, ref } from 'vue'
import { categoriesApi, unitsApi } from '@/api/cases'
import type { CaseCategory, Unit } from '@/api/types'
import { buildCategoryTree } from '@/utils/cases'

const categories = ref<CaseCategory[]>([])
const departments = ref<Unit[]>([])
let categoriesLoad: Promise<CaseCategory[]> | null = null
let departmentsLoad: Promise<Unit[]> | null = null

export function useCategories() {
  const tree = computed(() => buildCategoryTree(categories.value))
  function load(force = false): Promise<CaseCategory[]> {
    if (force || !categoriesLoad) {
      categoriesLoad = categoriesApi.list().then(
        (r) => (categories.value = r.items),
        (e: unknown) => {
          categoriesLoad = null
          throw e
        },
      )
    }
    return categoriesLoad
  }
  function byId(id: number | null | undefined): CaseCategory | undefined {
    return categories.value.find((c) => c.id === id)
  }
  return { categories, tree, load, byId }
}

export function useDepartments() {
  function load(): Promise<Unit[]> {
    departmentsLoad ??= unitsApi.list().then(
      (r) => (departments.value = r.items.filter((u) => u.kind === 'department')),
      (e: unknown) => {
        departmentsLoad = null
        throw e
      },
    )
    return departmentsLoad
  }
  return { departments, load }
}
