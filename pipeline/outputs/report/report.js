/* The flags table's filters: shows the rows whose data-state / data-rule match the selects; a state's
   tile on the map links to #state=XX, which selects that state. No data is embedded in the script, so
   nothing from the database can break out of it. */
(function () {
  var form = document.getElementById('flag-filters');
  var table = document.getElementById('flags');
  var state = document.getElementById('filter-state');
  var rule = document.getElementById('filter-rule');
  var count = document.getElementById('filter-count');
  if (!form || !table || !state || !rule) { return; }
  form.hidden = false;
  var wanted = '';  // the state asked for: a select's value, or a tile's state with no open flags
  function apply() {
    var rows = table.tBodies[0].rows, shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var ok = (!wanted || row.getAttribute('data-state') === wanted) &&
               (!rule.value || row.getAttribute('data-rule') === rule.value);
      row.hidden = !ok;
      if (ok) { shown++; }
    }
    count.textContent = shown + ' of ' + rows.length + ' open flags shown' + (wanted ? ' (' + wanted + ')' : '');
  }
  function fromHash() {
    var m = /^#state=([A-Za-z]{2})$/.exec(window.location.hash);
    if (!m) { return; }
    wanted = m[1].toUpperCase();
    state.value = wanted;  // stays "all states" when the state has no open flags; none are shown
    apply();
    table.scrollIntoView();
  }
  state.addEventListener('change', function () { wanted = state.value; apply(); });
  rule.addEventListener('change', apply);
  window.addEventListener('hashchange', fromHash);
  apply();
  fromHash();
})();
