/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import { defineConfig, type Connect, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

// In `vite` and `vite preview`, answer m.html for /m and /m/… as the Go server does.
function mobileFallback(): Plugin {
  const rewrite: Connect.NextHandleFunction = (req, _res, next) => {
    if (req.url && /^\/m(\/|\?|$)/.test(req.url)) req.url = '/m.html'
    next()
  }
  return {
    name: 'tongxin-mobile-fallback',
    configureServer: (server) => void server.middlewares.use(rewrite),
    configurePreviewServer: (server) => void server.middlewares.use(rewrite),
  }
}

// Vant's icon font names a fallback on at.alicdn.com after its inline woff2:
// the CSP (font-src 'self' data:) refuses it, and a closed network cannot
// reach it. Every browser the apps support takes the woff2, so it is dropped.
function vantFontLocal(): Plugin {
  const remote = /,\s*url\(\s*["']?(?:https?:)?\/\/at\.alicdn\.com\/[^)]*\)\s*format\(\s*["']?woff["']?\s*\)/g
  return {
    name: 'tongxin-vant-font-local',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]vant[\\/].*\.css(\?|$)/.test(id) || !remote.test(code)) return null
      remote.lastIndex = 0
      return { code: code.replace(remote, ''), map: null }
    },
  }
}

// The console is served at "/" by the Go binary (HTML5 history routing; the
// server answers index.html for unknown non-API paths) and talks to /api/v1/.
// A second entry, m.html, holds the phone apps (grid-worker app and resident
// portal), answered for /m/ and every /m/… path; both share /assets/.
export default defineConfig({
  base: '/',
  plugins: [vue(), mobileFallback(), vantFontLocal()],
  // The pages run under a Content-Security-Policy without 'unsafe-eval'.
  // vue-i18n 11 compiles messages into an AST that it interprets, never with
  // new Function or eval (its code-generating compiler is gone), so the
  // message compiler stays; the flags drop the legacy API and the devtools
  // hooks from the bundle. The e2e test (e2e/security.test.mjs) loads the
  // pages under the server's policy and fails on any violation.
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_DROP_MESSAGE_COMPILER__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': {
        target: process.env.TONGXIN_API ?? 'http://localhost:8080',
        changeOrigin: false,
      },
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    // Element Plus is imported whole; its chunk is ~1 MB before gzip.
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        m: fileURLToPath(new URL('./m.html', import.meta.url)),
      },
      output: {
        codeSplitting: {
          // A group also takes the dependencies of its modules, so Vue's group
          // goes first: otherwise Vue lands in element-plus's chunk and the
          // phone apps would download Element Plus.
          groups: [
            { name: 'element-plus', test: /node_modules[\\/](element-plus|@element-plus|@floating-ui|@popperjs|@sxzz|lodash|lodash-es|dayjs|@vueuse|async-validator|@ctrl)[\\/]/, priority: 20 },
            { name: 'vue', test: /node_modules[\\/](@vue|vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/, priority: 40 },
            { name: 'leaflet', test: /node_modules[\\/]leaflet[\\/]/, priority: 30 },
            { name: 'vant', test: /node_modules[\\/](vant|@vant)[\\/]/, priority: 20 },
          ],
        },
      },
    },
  },
  test: {
    include: ['src/**/*.spec.ts'],
    environment: 'node',
  },
})
