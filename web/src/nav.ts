import type { Component } from 'vue'
import type { RouteComponent } from 'vue-router'
import { Bell, CollectionTag, DataBoard, Document, Finished, HomeFilled, Location, Memo, Share, Tickets, Upload, User, UserFilled } from '@element-plus/icons-vue'

/**
 * The console's menu and its pages. To add a module (cases, registry …) add an
 * entry here: the router and the left menu are both built from this list.
 */
export interface NavItem {
  /** Route name, and the path under "/" unless `path` is given. */
  name: string
  /** Path under "/" when it is not the name (e.g. "cases/categories"). */
  path?: string
  /** i18n key of the menu label and page title. */
  titleKey: string
  icon: Component
  /** Permission needed to see the item; none = every logged-in user. */
  permission?: string
  /** Any one of these permissions is enough (instead of `permission`). */
  anyPermission?: string[]
  component: () => Promise<RouteComponent | { default: RouteComponent }>
}

export const navItems: NavItem[] = [
  {
    name: 'overview',
    titleKey: 'nav.overview',
    icon: DataBoard,
    component: () => import('@/views/OverviewView.vue'),
  },
  {
    name: 'cases',
    titleKey: 'nav.cases',
    icon: Tickets,
    // Department handlers list the cases handed to their unit without cases:read.
    anyPermission: ['cases:read', 'cases:handle', 'cases:dispatch'],
    component: () => import('@/views/cases/CaseListView.vue'),
  },
  {
    name: 'notifications',
    titleKey: 'nav.notifications',
    icon: Bell,
    component: () => import('@/views/cases/NotificationsView.vue'),
  },
  {
    name: 'registry-buildings',
    path: 'registry/buildings',
    titleKey: 'nav.buildings',
    icon: HomeFilled,
    permission: 'registry:read',
    component: () => import('@/views/registry/BuildingListView.vue'),
  },
  {
    name: 'registry-persons',
    path: 'registry/persons',
    titleKey: 'nav.persons',
    icon: User,
    permission: 'registry:read',
    component: () => import('@/views/registry/PersonSearchView.vue'),
  },
  {
    name: 'registry-new-citizens',
    path: 'registry/new-citizens',
    titleKey: 'nav.newCitizens',
    icon: UserFilled,
    permission: 'registry:read',
    component: () => import('@/views/registry/NewCitizensView.vue'),
  },
  {
    name: 'registry-import',
    path: 'registry/import',
    titleKey: 'nav.registryImport',
    icon: Upload,
    permission: 'registry:write',
    component: () => import('@/views/registry/ImportView.vue'),
  },
  {
    name: 'registry-campaigns',
    path: 'registry/campaigns',
    titleKey: 'nav.campaigns',
    icon: Finished,
    permission: 'registry:read',
    component: () => import('@/views/registry/CampaignListView.vue'),
  },
  {
    name: 'registry-tags',
    path: 'registry/tags',
    titleKey: 'registry.tagsTitle',
    icon: CollectionTag,
    permission: 'registry:configure',
    component: () => import('@/views/registry/TagsView.vue'),
  },
  {
    name: 'areas',
    titleKey: 'nav.areas',
    icon: Share,
    permission: 'areas:read',
    component: () => import('@/views/AreasView.vue'),
  },
  {
    name: 'map',
    titleKey: 'nav.map',
    icon: Location,
    permission: 'areas:read',
    component: () => import('@/views/MapView.vue'),
  },
  {
    name: 'case-categories',
    path: 'cases/categories',
    titleKey: 'nav.categories',
    icon: Memo,
    permission: 'cases:configure',
    component: () => import('@/views/cases/CategoriesView.vue'),
  },
  {
    name: 'audit',
    titleKey: 'nav.audit',
    icon: Document,
    permission: 'audit:read',
    component: () => import('@/views/AuditView.vue'),
  },
]
