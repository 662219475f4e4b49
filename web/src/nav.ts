import type { Component } from 'vue'
import type { RouteComponent } from 'vue-router'
import { DataBoard, Location, Share } from '@element-plus/icons-vue'

/**
 * The console's menu and its pages. To add a module (cases, registry …) add an
 * entry here: the router and the left menu are both built from this list.
 */
export interface NavItem {
  /** Route name and path segment under "/". */
  name: string
  /** i18n key of the menu label and page title. */
  titleKey: string
  icon: Component
  /** Permission needed to see the item; none = every logged-in user. */
  permission?: string
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
]
