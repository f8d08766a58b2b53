// Grafana 10 panel builders (schemaVersion 38), plain jsonnet. A panel is an object;
// `+ size(w, h)` sets its width (of 24 columns) and height, and `layout` places a list
// of rows and panels left to right, top to bottom, and numbers them.
//
// Conventions: the datasource only via the ${datasource} variable; every query uses
// raw hermes_* metrics (no recording rules needed).
{
  ds:: { type: 'prometheus', uid: '${datasource}' },

  // One PromQL query of a panel.
  target(expr, legend='', ref='A', format='time_series', instant=false, interval=null)::
    {
      datasource: $.ds,
      editorMode: 'code',
      expr: expr,
      legendFormat: if legend == '' then '__auto' else legend,
      range: !instant,
      instant: instant,
      format: format,
      refId: ref,
    } + (if interval != null then { interval: interval } else {}),

  // Threshold steps: [[value or null, color], ...] in ascending order.
  thresholds(steps):: {
    mode: 'absolute',
    steps: [{ color: s[1], value: s[0] } for s in steps],
  },
  green:: [[null, 'green']],

  size(w, h):: { gridPos: { w: w, h: h } },

  timeseries(title,
             targets,
             unit,
             desc='',
             stack=false,
             bars=false,
             overrides=[],
             thr=$.green,
             thrStyle='off',
             min=null,
             legendCalcs=['lastNotNull', 'max'])::
    {
      type: 'timeseries',
      title: title,
      description: desc,
      datasource: $.ds,
      targets: targets,
      fieldConfig: {
        defaults: {
          unit: unit,
          custom: {
            drawStyle: if bars then 'bars' else 'line',
            lineWidth: 1,
            fillOpacity: if bars then 80 else 10,
            showPoints: 'auto',
            spanNulls: true,
            pointSize: 4,
            stacking: { mode: if stack then 'normal' else 'none', group: 'A' },
            axisPlacement: 'auto',
            thresholdsStyle: { mode: thrStyle },
          },
          thresholds: $.thresholds(thr),
          color: { mode: 'palette-classic' },
        } + (if min != null then { min: min } else {}),
        overrides: overrides,
      },
      options: {
        legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: legendCalcs },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
    },

  stat(title,
       targets,
       unit,
       desc='',
       thr=$.green,
       mappings=[],
       colorMode='background',
       textMode='auto',
       graph='none')::
    {
      type: 'stat',
      title: title,
      description: desc,
      datasource: $.ds,
      targets: targets,
      fieldConfig: {
        defaults: {
          unit: unit,
          thresholds: $.thresholds(thr),
          mappings: mappings,
          color: { mode: 'thresholds' },
        },
        overrides: [],
      },
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        colorMode: colorMode,
        graphMode: graph,
        textMode: textMode,
        justifyMode: 'auto',
        orientation: 'auto',
      },
    },

  bargauge(title, targets, unit, desc='', thr=$.green, min=null, max=null)::
    {
      type: 'bargauge',
      title: title,
      description: desc,
      datasource: $.ds,
      targets: targets,
      fieldConfig: {
        defaults: { unit: unit, thresholds: $.thresholds(thr), color: { mode: 'thresholds' } }
                  + (if min != null then { min: min } else {})
                  + (if max != null then { max: max } else {}),
        overrides: [],
      },
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        orientation: 'horizontal',
        displayMode: 'gradient',
        showUnfilled: true,
      },
    },

  // A heatmap of a histogram: `expr` is sum by (le) (increase(..._bucket[...])).
  heatmap(title, expr, unit, desc='')::
    {
      type: 'heatmap',
      title: title,
      description: desc,
      datasource: $.ds,
      targets: [$.target(expr, '{{le}}', format='heatmap')],
      fieldConfig: {
        defaults: { custom: {
          scaleDistribution: { type: 'linear' },
          hideFrom: { legend: false, tooltip: false, viz: false },
        } },
        overrides: [],
      },
      options: {
        calculate: false,
        cellGap: 1,
        color: {
          mode: 'scheme',
          scheme: 'Spectral',
          fill: 'dark-orange',
          scale: 'exponential',
          exponent: 0.5,
          steps: 64,
          reverse: false,
        },
        filterValues: { le: 1e-09 },
        rowsFrame: { layout: 'auto' },
        yAxis: { axisPlacement: 'left', unit: unit, reverse: false },
        tooltip: { show: true, yHistogram: true },
        legend: { show: true },
        exemplars: { color: 'rgba(255,0,255,0.7)' },
      },
    },

  table(title, targets, desc='', overrides=[], transformations=[])::
    {
      type: 'table',
      title: title,
      description: desc,
      datasource: $.ds,
      targets: targets,
      fieldConfig: {
        defaults: {
          custom: { align: 'auto', cellOptions: { type: 'auto' } },
          thresholds: $.thresholds($.green),
        },
        overrides: overrides,
      },
      options: { showHeader: true, cellHeight: 'sm', footer: { show: false } },
      transformations: transformations,
    },

  // Override: series whose display name matches `regex` are drawn dashed, no fill.
  dashed(regex):: {
    matcher: { id: 'byRegexp', options: regex },
    properties: [
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
      { id: 'custom.fillOpacity', value: 0 },
    ],
  },

  okFail:: [{ type: 'value', options: {
    '0': { text: 'FAIL', color: 'red', index: 0 },
    '1': { text: 'OK', color: 'green', index: 1 },
  } }],

  confidence:: [{ type: 'value', options: {
    '0': { text: 'low', color: 'red', index: 0 },
    '1': { text: 'medium', color: 'orange', index: 1 },
    '2': { text: 'high', color: 'green', index: 2 },
  } }],

  row(title):: { type: 'row', title: title, collapsed: false, panels: [] },

  // Assigns ids and gridPos (x, y) to rows and sized panels, left to right; a panel
  // that does not fit in the 24 columns starts a new line, a row starts a new line.
  layout(items)::
    local step(st, it) =
      if it.type == 'row' then
        local y = if st.x > 0 then st.y + st.rowh else st.y;
        st {
          panels+: [it { id: st.id, gridPos: { h: 1, w: 24, x: 0, y: y } }],
          x: 0,
          y: y + 1,
          rowh: 0,
          id: st.id + 1,
        }
      else
        local w = it.gridPos.w, h = it.gridPos.h;
        local wrap = st.x + w > 24;
        local x = if wrap then 0 else st.x;
        local y = if wrap then st.y + st.rowh else st.y;
        local rowh = if wrap then 0 else st.rowh;
        st {
          panels+: [it { id: st.id, gridPos: { h: h, w: w, x: x, y: y } }],
          x: x + w,
          y: y,
          rowh: std.max(rowh, h),
          id: st.id + 1,
        };
    std.foldl(step, items, { panels: [], x: 0, y: 0, rowh: 0, id: 1 }).panels,

  // The matchers every query of a dashboard starts with: _config.hermesSelector, one
  // variable per _config.clusterLabels entry, job and instance.
  matchers(cfg):: [cfg.hermesSelector]
                  + ['%s=~"$%s"' % [l, l] for l in cfg.clusterLabels]
                  + ['job=~"$job"', 'instance=~"$instance"'],

  // Template variables: datasource, the cluster labels, job, instance and probe; each
  // offers the values that the ones before it allow.
  variables(cfg)::
    local u = import 'util.libsonnet';
    local q(name, label, query) = {
      type: 'query',
      name: name,
      label: label,
      datasource: $.ds,
      definition: query,
      query: { query: query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
      refresh: 2,
      sort: 1,
      multi: true,
      includeAll: true,
      allValue: '.*',
      current: { selected: true, text: ['All'], value: ['$__all'] },
      options: [],
      regex: '',
      hide: 0,
      skipUrlSync: false,
    };
    local m = $.matchers(cfg);
    local vars = [[l, l] for l in cfg.clusterLabels] + [['job', 'Job'], ['instance', 'Instance']];
    [
      {
        type: 'datasource',
        name: 'datasource',
        label: 'Data source',
        query: 'prometheus',
        regex: '',
        refresh: 1,
        hide: 0,
        current: {},
        options: [],
        multi: false,
        includeAll: false,
        skipUrlSync: false,
      },
    ] + [
      // matchers before this variable's own: hermesSelector and the earlier variables
      q(vars[i][0], vars[i][1], 'label_values(hermes_build_info%s, %s)' % [u.sel(m[0:i + 1]), vars[i][0]])
      for i in std.range(0, std.length(vars) - 1)
    ] + [
      q('probe', 'Probe', 'label_values(hermes_probe_success%s, probe)' % u.sel(m)),
    ],

  dashboard(uid, title, desc, panels, tags, cfg)::
    {
      uid: uid,
      title: title,
      description: desc,
      tags: tags,
      editable: true,
      graphTooltip: 1,
      schemaVersion: 38,
      version: 1,
      refresh: cfg.dashboards.refresh,
      time: { from: cfg.dashboards.timeFrom, to: 'now' },
      timepicker: {},
      timezone: '',
      fiscalYearStartMonth: 0,
      liveNow: false,
      weekStart: '',
      id: null,
      annotations: { list: [{
        builtIn: 1,
        datasource: { type: 'grafana', uid: '-- Grafana --' },
        enable: true,
        hide: true,
        iconColor: 'rgba(0, 211, 255, 1)',
        name: 'Annotations & Alerts',
        type: 'dashboard',
      }] },
      links: [{
        title: 'hermes dashboards',
        type: 'dashboards',
        tags: cfg.dashboards.tags,
        asDropdown: true,
        includeVars: true,
        keepTime: true,
        icon: 'external link',
        targetBlank: false,
        tooltip: '',
        url: '',
      }],
      templating: { list: $.variables(cfg) },
      panels: $.layout(panels),
    },
}
