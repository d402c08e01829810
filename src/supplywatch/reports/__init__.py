"""Documents made from the services' plain data: the weekly briefing (HTML, PDF), charts as
images (SVG), and exports of tables (CSV, xlsx). No store access here."""
