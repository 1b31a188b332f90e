"""The appointment brief's stylesheet: a calm A4/Letter page on screen, one printed page on paper."""

CSS = """
@page { margin: 10mm 11mm; }
:root { --ink: #1d2731; --muted: #5b6773; --rule: #cfd7de; --faint: #edf1f4; --accent: #2d5a78;
        --flag: #94451c; --flag-bg: #fbf3ee; --ac: #f3f6fa; }
* { box-sizing: border-box; }
html { font: 7.6pt/1.22 "Helvetica Neue", Helvetica, Arial, "DejaVu Sans", sans-serif; color: var(--ink);
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #e6eaee; }
.page { background: #fff; width: 210mm; min-height: 297mm; margin: 6mm auto; padding: 10mm 12mm 9mm;
        box-shadow: 0 1px 4px rgba(0, 0, 0, .15); }
header { display: flex; justify-content: space-between; align-items: flex-end; gap: 6mm;
         border-bottom: 2px solid var(--accent); padding-bottom: 2mm; }
h1 { font-size: 14pt; font-weight: 600; margin: 0; color: var(--accent); letter-spacing: -.01em; }
.visit { font-size: 10.5pt; font-weight: 600; margin-top: .8mm; }
.visit .where { font-weight: 400; color: var(--muted); }
.meta { text-align: right; color: var(--muted); font-size: 7.4pt; white-space: nowrap; }
.purpose { margin: 1.5mm 0 0; }
.purpose b { color: var(--muted); font-weight: 600; }
h2 { font-size: 8.2pt; font-weight: 700; text-transform: uppercase; letter-spacing: .07em;
     color: var(--accent); margin: 2mm 0 .7mm; padding-bottom: .4mm; border-bottom: 1px solid var(--rule); }
.cols { display: grid; grid-template-columns: 59fr 41fr; column-gap: 5mm; }
.d { white-space: nowrap; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 7pt; padding: 0 1.4mm .4mm 0;
     white-space: nowrap; border-bottom: 1px solid var(--rule); vertical-align: bottom; }
td { padding: .35mm 1.4mm .35mm 0; vertical-align: top; border-bottom: 1px solid var(--faint); }
.num { text-align: right; white-space: nowrap; }
.status { display: grid; grid-template-columns: 1fr 1fr; column-gap: 5mm; row-gap: .5mm; margin-top: 2mm;
          padding: 1.4mm 2mm; background: var(--faint); border-radius: 1.5mm; }
.status b { color: var(--accent); font-weight: 600; margin-right: 1mm; }
tr.ac td { background: var(--ac); }
.tag { font-size: 6.4pt; color: var(--flag); }
.missed { margin: 1mm 0 0; padding: .8mm 1.6mm; background: var(--flag-bg);
          border-left: 2px solid var(--flag); }
.missed b { color: var(--flag); font-weight: 600; }
.ok { margin: 1mm 0 0; color: var(--muted); }
.older-block { margin-top: 1mm; font-size: 7.2pt; }
.older { margin: .3mm 0 0; color: var(--ink); }
.older .d { color: var(--muted); margin-right: 1mm; }
.trend { color: var(--muted); font-size: 6.8pt; white-space: nowrap; }
.summary { margin: 0 0 .8mm; }
tr.hit td { background: var(--flag-bg); }
.flagged { color: var(--flag); font-weight: 600; white-space: nowrap; }
.dim { color: var(--muted); font-weight: 400; }
.none { color: var(--muted); margin: .5mm 0; }
.note { color: var(--muted); font-size: 7pt; margin: .8mm 0 0; }
.src { color: var(--accent); font-size: 6.8pt; white-space: nowrap; }
.chart { width: 100%; height: auto; display: block; margin-top: 1mm; }
.chart .grid { stroke: #e3e8ec; stroke-width: .6; }
.chart .axis { stroke: #9aa7b2; stroke-width: .7; }
.chart .ylab { font-size: 7px; fill: #5b6773; text-anchor: end; }
.chart .xlab { font-size: 7px; fill: #5b6773; text-anchor: middle; }
.chart .vlab { font-size: 7.5px; fill: #1d2731; text-anchor: middle; font-weight: 600; }
.chart .series { fill: none; stroke: #2d5a78; stroke-width: 1.4; }
.chart .point { fill: #2d5a78; }
.chart .censored { fill: #fff; stroke: #2d5a78; stroke-width: 1; }
.chart .minimum { stroke: #94451c; stroke-width: 1; stroke-dasharray: 3 2.5; }
.counts td { border: 0; padding: .2mm 1.4mm .2mm 0; }
.counts .big { font-size: 11pt; font-weight: 700; color: var(--accent); width: 7mm; text-align: right;
               line-height: 1.1; }
.questions { list-style: none; padding: 0; margin: 0; columns: 2; column-gap: 6mm; }
.questions li { break-inside: avoid; margin: 0 0 .8mm; padding-left: 4.2mm; text-indent: -4.2mm; }
.questions .box { display: inline-block; width: 4.2mm; text-indent: 0; color: var(--muted); }
.questions .why { text-indent: 0; color: var(--muted); font-size: 7pt; line-height: 1.25; margin-top: .1mm; }
.questions .ftitle { color: var(--flag); font-weight: 600; }
.sources { margin: 1mm 0 0; font-size: 6.6pt; line-height: 1.25; color: var(--muted); }
footer { margin-top: 2mm; padding-top: 1.2mm; border-top: 1px solid var(--rule); color: var(--muted);
         font-size: 7pt; }
@media print {
  h2 { break-after: avoid; }
  tr, .missed, .status, .chart { break-inside: avoid; }
  body { background: none; }
  .page { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
}
"""
