'use strict';
// The trace types the figure panel draws (scatter is always in the core); keep in step with
// BUNDLED_TRACES in disco/app/figures/figure_panel.py.
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/scatter3d'), require('plotly.js/lib/scatterpolar'), require('plotly.js/lib/bar')]);

module.exports = Plotly;
