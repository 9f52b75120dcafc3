"""The report's five charts: rows from the marts in, a Figure (SVG, takeaway, sources) out.

Takeaways are computed from the rows, never written by hand, so they change with the data.
"""

from dagster_project.publish.charts.common import Figure, source_colours
from dagster_project.publish.charts.ladder import ladder_chart
from dagster_project.publish.charts.output_value import output_value_chart
from dagster_project.publish.charts.quality import quality_chart
from dagster_project.publish.charts.shares import market_share_chart, world_share_chart

__all__ = [
    "Figure",
    "ladder_chart",
    "market_share_chart",
    "output_value_chart",
    "quality_chart",
    "source_colours",
    "world_share_chart",
]
