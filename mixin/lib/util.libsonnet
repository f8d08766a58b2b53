// Formatting helpers shared by the rules and dashboards (plain jsonnet, no library).
{
  // Shortest decimal text of a number: 0.2 -> "0.2", 100 -> "100" (std.toString would
  // print 0.20000000000000001).
  num(x)::
    if x == std.floor(x) && std.abs(x) < 1e15 then std.format('%d', [x])
    else
      local tries = [std.format('%.' + k + 'f', [x]) for k in std.range(1, 15)];
      local ok = [t for t in tries if std.abs(std.parseJson(t) - x) <= std.abs(x) * 1e-12];
      self.stripZeros(if ok == [] then tries[14] else ok[0]),

  stripZeros(s)::
    if std.endsWith(s, '0') then self.stripZeros(std.substr(s, 0, std.length(s) - 1))
    else if std.endsWith(s, '.') then std.substr(s, 0, std.length(s) - 1)
    else s,

  // 0.05 -> "5%".
  percent(ratio):: self.num(std.floor(ratio * 1e6 + 0.5) / 1e4) + '%',

  // Seconds as a short duration for annotation text: 0.1 -> "100ms", 2 -> "2s".
  seconds(s):: if s < 1 then self.num(s * 1000) + 'ms' else self.num(s) + 's',

  // A Prometheus duration with one unit, in words: "5m" -> "5 minutes", "1h" -> "1 hour".
  // Anything else is returned unchanged.
  words(d)::
    local units = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week' };
    local unit = std.substr(d, std.length(d) - 1, 1);
    local n = std.substr(d, 0, std.length(d) - 1);
    local digits = std.filter(function(c) std.member('0123456789', c), std.stringChars(n));
    if std.objectHas(units, unit) && std.length(n) > 0 && std.length(digits) == std.length(n)
    then n + ' ' + units[unit] + (if n == '1' then '' else 's')
    else d,

  // Selector text: matchers joined with ", " inside braces, or '' when there are none,
  // so that a default (empty) hermesSelector leaves `metric` alone and a set one gives
  // `metric{job="x"}`.
  sel(matchers)::
    local m = std.filter(function(x) x != '', matchers);
    if m == [] then '' else '{' + std.join(', ', m) + '}',

  // JSON string literal. Built from std.strReplace, which is native: the std library's
  // escapeStringJson and manifestYamlDoc take seconds per dashboard in jsonnet 0.18.
  jsonString(s)::
    local r(x, a, b) = std.strReplace(x, a, b);
    '"' + r(r(r(r(r(s, '\\', '\\\\'), '"', '\\"'), '\n', '\\n'), '\t', '\\t'), '\r', '\\r') + '"',

  // JSON with two-space indentation, keys sorted, `{}`/`[]` for empty values.
  json(v, indent='')::
    local in2 = indent + '  ';
    if std.isObject(v) then
      if std.length(v) == 0 then '{}'
      else '{\n' + std.join(',\n', [in2 + self.jsonString(k) + ': ' + self.json(v[k], in2) for k in std.objectFields(v)]) + '\n' + indent + '}'
    else if std.isArray(v) then
      if v == [] then '[]'
      else '[\n' + std.join(',\n', [in2 + self.json(x, in2) for x in v]) + '\n' + indent + ']'
    else if std.isString(v) then self.jsonString(v)
    else if std.isNumber(v) then self.num(v)
    else if v == null then 'null'
    else if v then 'true'
    else 'false',

  // Block-style YAML for the rule files: keys in `order` first (then sorted), strings
  // plain when unambiguous and single-quoted otherwise, multi-line strings as `|`
  // blocks, two-space indentation.
  yaml(v, order=self.ruleKeyOrder):: self.yamlWriter(order).mapping(v, '') + '\n',
  ruleKeyOrder:: std.split('name interval alert record expr for labels annotations summary description runbook_url', ' '),

  yamlWriter(order):: {
    local util = $,
    local letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
    local set(chars) = { [c]: true for c in std.stringChars(chars) },
    local keyChars = set(letters + '0123456789_'),
    local valueChars = keyChars + set(':.-/'),
    local reserved = std.split('y Y n N yes Yes YES no No NO true True TRUE false False FALSE '
                               + 'on On ON off Off OFF null Null NULL', ' '),
    // Starts with a letter, uses only `allowed` characters, is no YAML 1.1 bool/null.
    local plain(str, allowed) =
      std.length(str) > 0 && std.objectHas(set(letters), str[0]) && !std.member(reserved, str)
      && std.length(std.filter(function(c) !std.objectHas(allowed, c), std.stringChars(str))) == 0,

    scalar(x)::
      if std.isString(x) then (if plain(x, valueChars) then x else "'" + std.strReplace(x, "'", "''") + "'")
      else if std.isNumber(x) then util.num(x)
      else if x == null then 'null'
      else if x then 'true'
      else 'false',
    key(k):: if plain(k, keyChars) then k else self.scalar(k),
    block(x, indent)::
      local body = if std.endsWith(x, '\n') then std.substr(x, 0, std.length(x) - 1) else x;
      (if std.endsWith(x, '\n') then '|' else '|-') + '\n' + indent + std.strReplace(body, '\n', '\n' + indent),
    keys(o):: [k for k in order if std.objectHas(o, k)] + [k for k in std.objectFields(o) if !std.member(order, k)],

    // The text after "key:" or "- " of a line whose content starts at `indent`.
    value(x, indent)::
      if std.isObject(x) && std.length(x) > 0 then '\n' + self.mapping(x, indent + '  ')
      else if std.isArray(x) && x != [] then '\n' + self.sequence(x, indent + '  ')
      else if std.isObject(x) then ' {}'
      else if std.isArray(x) then ' []'
      else if std.isString(x) && std.length(std.split(x, '\n')) > 1 then ' ' + self.block(x, indent + '  ')
      else ' ' + self.scalar(x),
    mapping(o, indent):: std.join('\n', [indent + self.key(k) + ':' + self.value(o[k], indent) for k in self.keys(o)]),
    // Each item's first line goes on its dash line.
    sequence(a, indent)::
      local rest(text, n) = std.substr(text, n, std.length(text) - n);
      std.join('\n', [
        indent + '- ' + (
          if std.isObject(x) && std.length(x) > 0 then rest(self.mapping(x, indent + '  '), std.length(indent) + 2)
          else rest(self.value(x, indent), 1)
        )
        for x in a
      ]),
  },
}
