"""Insights as CSV: every figure of the four sections, one per row, from the
same `sections` the page and the API read. Columns: which section, what the
figure is about (a dimension, a week, a rep, a stage), its breakdown (a
status, a forecast), and the numbers (a value, or hits of total with the rate
and its 95% interval)."""

from __future__ import annotations

from collections.abc import Iterator

from dealcoach.spreadsheet import spreadsheet_writer

from .scope import InsightsScope
from .sections import FORECASTS, forecast_accuracy, losses, rsvp_win_rates, slips
from .stats import Rate

HEADER = ["section", "subject", "breakdown", "measure", "value", "hits", "total", "rate", "low", "high"]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _rate(section: str, subject: str, breakdown: str, measure: str, rate: Rate) -> list:
    data = rate.as_dict()
    return [section, subject, breakdown, measure, "", data["hits"], data["total"],
            *("" if data[k] is None else data[k] for k in ("rate", "low", "high"))]


def _value(section: str, subject: str, breakdown: str, measure: str, value) -> list:
    return [section, subject, breakdown, measure, "" if value is None else value, "", "", "", "", ""]


def insights_csv_rows(scope: InsightsScope) -> Iterator[str]:
    writer = spreadsheet_writer(_Echo())
    yield writer.writerow(HEADER)
    rsvp = rsvp_win_rates(scope)
    for moment in rsvp["moments"]:
        for row in moment["rows"]:
            for status, rate in row["rates"].items():
                yield writer.writerow(_rate("rsvp-win-rates", f"{row['dimension']} {moment['moment']}", status,
                                            "win rate", rate))
    for key in ("validated_plan", "economic_buyer"):
        for answer in ("yes", "no"):
            yield writer.writerow(_rate("rsvp-win-rates", key, answer, "win rate", rsvp[key][answer]))
    forecast = forecast_accuracy(scope)
    for week in forecast["weeks"]:
        for key in (*FORECASTS, "won"):
            yield writer.writerow(_value("forecast-accuracy", week["week"].isoformat(), key,
                                         f"amount ({forecast['currency']})", week[key]))
    for key, error in forecast["errors"].items():
        yield writer.writerow(_value("forecast-accuracy", "team", key, "mean error share",
                                     None if error is None else round(error, 4)))
    for rep in forecast["reps"]:
        for key, error in rep["errors"].items():
            yield writer.writerow(_value("forecast-accuracy", rep["name"], key, "mean error share",
                                         None if error is None else round(error, 4)))
    slip = slips(scope)
    for name, summary in [("team", slip["team"]), *((rep["name"], rep["summary"]) for rep in slip["reps"])]:
        yield writer.writerow(_rate("slips", name, "", "share slipped", summary.share))
        yield writer.writerow(_value("slips", name, "", "average days slipped",
                                     None if summary.average_days is None else round(summary.average_days, 1)))
    for deal in slip["most_slipped"]:
        yield writer.writerow(_value("slips", f"deal {deal['id']}: {deal['name']}", deal["owner"], "days slipped",
                                     deal["days"]))
    lost = losses(scope)
    for row in lost["by_stage"]:
        yield writer.writerow(_value("losses", row["stage"], "", "deals lost", row["lost"]))
    for row in lost["reasons"]:
        for stage, count in row["by_stage"].items():
            if count:
                yield writer.writerow(_value("losses", row["reason"], stage, "deals lost for this reason", count))
    for row in lost["red_dimensions"]:
        yield writer.writerow(_value("losses", row["dimension"], "red at the loss", "deals lost", row["lost"]))
    for row in lost["stage_entry"]["rows"]:
        yield writer.writerow(_rate("losses", row["stage"], "reached", "win rate", row["rate"]))
        yield writer.writerow(_value("losses", row["stage"], "reached", "average days from entry to win",
                                     row["days_to_win"]))
