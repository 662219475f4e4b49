// Case categories: loaded once per app start; the pickers offer the active
// subcategories (小类) grouped under their active parents (大类).
import type { Category } from '../api/types'

export interface CategoryGroup {
  parent: Category
  children: Category[]
}

export function groupCategories(all: Category[]): CategoryGroup[] {
  const bySort = (a: Category, b: Category) => a.sort - b.sort || a.id - b.id
  const parents = all.filter((c) => c.parent_id === null && c.active).sort(bySort)
  return parents
    .map((parent) => ({
      parent,
      children: all.filter((c) => c.parent_id === parent.id && c.active).sort(bySort),
    }))
    .filter((g) => g.children.length > 0)
}

export function categoryName(c: Pick<Category, 'name' | 'name_en'>, locale: string): string {
  return locale === 'en' && c.name_en ? c.name_en : c.name
}
