// A dependency-free grouped bar chart: one group per workload, one bar per configuration (the
// median ratio), a whisker from min to max, and a dashed line at 1.0 (no agent) and at the target.

const PALETTE = ['#9e9e9e', '#1b7f3b', '#66bb6a', '#1f5fbf', '#e08a00', '#b23a48', '#6a4c93', '#00838f'];

const escapeXml = (text) => String(text).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);

/**
 * groups: [{ label, bars: [{ series, value: {min, median, max} | undefined }] }]; series: labels in
 * bar order. Returns the SVG text.
 */
export function barChartSvg({ title, groups, series, yMax = 1.2, reference = [] }) {
  const width = 960;
  const height = 420;
  const margin = { top: 48, right: 20, bottom: 110, left: 56 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const y = (value) => margin.top + plotH - (Math.min(value, yMax) / yMax) * plotH;
  const groupW = plotW / groups.length;
  const barW = Math.min(28, (groupW * 0.8) / series.length);

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let tick = 0; tick <= yMax + 1e-9; tick += 0.2) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick.toFixed(1)}</text>`);
  }
  for (const { value, label, color, labelBelow = false } of reference) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(value)}" y2="${y(value)}" stroke="${color}" stroke-dasharray="5 4"/>`);
    parts.push(`<text x="${width - margin.right}" y="${y(value) + (labelBelow ? 12 : -4)}" text-anchor="end" fill="${color}">${escapeXml(label)}</text>`);
  }
  groups.forEach((group, g) => {
    const groupX = margin.left + g * groupW + (groupW - barW * series.length) / 2;
    group.bars.forEach((bar, b) => {
      const x = groupX + b * barW;
      const color = PALETTE[b % PALETTE.length];
      if (!bar.value) {
        parts.push(`<text x="${x + barW / 2}" y="${y(0) - 4}" text-anchor="middle" font-size="10" fill="${color}">×</text>`);
        return;
      }
      const { min, median, max } = bar.value;
      parts.push(`<rect x="${x + 1}" y="${y(median)}" width="${barW - 2}" height="${y(0) - y(median)}" fill="${color}"><title>${escapeXml(`${bar.series}, ${group.label}: ${median.toFixed(3)} [${min.toFixed(3)}…${max.toFixed(3)}]`)}</title></rect>`);
      parts.push(`<line x1="${x + barW / 2}" x2="${x + barW / 2}" y1="${y(min)}" y2="${y(max)}" stroke="#222"/>`);
      parts.push(`<text x="${x + barW / 2}" y="${y(median) - 4}" text-anchor="middle" font-size="9">${median.toFixed(2)}</text>`);
    });
    parts.push(`<text x="${margin.left + g * groupW + groupW / 2}" y="${y(0) + 18}" text-anchor="middle" font-weight="bold">${escapeXml(group.label)}</text>`);
  });
  series.forEach((label, s) => {
    const column = s % 3;
    const row = Math.floor(s / 3);
    const x = margin.left + column * (plotW / 3);
    const legendY = height - margin.bottom + 44 + row * 18;
    parts.push(`<rect x="${x}" y="${legendY - 10}" width="12" height="12" fill="${PALETTE[s % PALETTE.length]}"/>`);
    parts.push(`<text x="${x + 18}" y="${legendY}">${escapeXml(label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The benchmark's chart: throughput ratio against no agent, per workload and configuration. */
export function throughputChart(allFigures, workloads) {
  const shown = allFigures.filter((figures) => figures.config.id !== 'none');
  const series = shown.map((figures) => (figures.failed ? `${figures.config.label} (failed)` : figures.config.label));
  const groups = workloads.map((workload) => ({
    label: workload.label,
    bars: shown.map((figures, i) => ({ series: series[i], value: figures.failed ? undefined : figures.workloads[workload.id].throughputRatio })),
  }));
  return barChartSvg({
    title: 'Throughput against no agent (median, whiskers min…max over repeats; higher is better)',
    groups,
    series,
    reference: [
      { value: 1, label: 'no agent = 1.0', color: '#555' },
      { value: 0.97, label: 'target 0.97', color: '#1b7f3b', labelBelow: true },
    ],
  });
}
