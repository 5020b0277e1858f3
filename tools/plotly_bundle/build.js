// Builds ../../disco/app/figures/figure_panel_plotly.min.js the way plotly.js builds its own partial bundles
// (its esbuild-config.js), from entry.js.
const path = require('path');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { version } = require('plotly.js/package.json');

const banner = `/*! plotly.js v${version} (scatter, scatter3d, scatterpolar, bar; built for DISCO's figure panel from ` +
  `tools/plotly_bundle) | Copyright 2012-2026, Plotly, Inc. | MIT License | https://github.com/plotly/plotly.js */`;

esbuild.build({
  entryPoints: [path.join(__dirname, 'entry.js')],
  outfile: path.join(__dirname, '..', '..', 'disco', 'app', 'figures', 'figure_panel_plotly.min.js'),
  format: 'iife',
  globalName: 'Plotly',
  bundle: true,
  minify: true,
  legalComments: 'eof',  // the bundled packages' licence notices, at the end
  banner: { js: banner },
  plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
  alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
  define: { global: 'window', 'define.amd': 'false' },
  target: 'es2016',
  logLevel: 'info',
}).catch(() => process.exit(1));
