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

// The console is served at "/" by the Go binary (HTML5 history routing; the
// server answers index.html for unknown non-API paths) and talks to /api/v1/.
// A second entry, m.html, holds the phone apps (grid-worker app and resident
// portal), answered for /m/ and every /m/… path; both share /assets/.
export default defineConfig({
  base: '/',
  plugins: [vue(), mobileFallback()],
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
