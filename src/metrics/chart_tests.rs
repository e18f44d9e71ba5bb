use super::*;
use crate::metrics::api::{MetricsApi, RangeQuery};
use crate::metrics::demo::DemoMetrics;
use crate::metrics::parse::{Labels, Point};
use crate::metrics::shape::step_for;
use ratatui::buffer::Buffer;
use std::time::Duration;

/// 1h of the demo's p95 latency (the checkout incident in its last ten
/// minutes), at one point per chart column.
fn latency(columns: u16) -> (Vec<Series>, f64, f64, f64) {
    let end = 1_714_561_200.0; // 2024-05-01T11:00:00Z
    let start = end - 3600.0;
    let step = step_for(Duration::from_secs(3600), columns);
    let q = RangeQuery {
        query: "histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket[5m])))".into(),
        start,
        end,
        step,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let a = rt.block_on(DemoMetrics.query_range(&q)).unwrap();
    (a.result.into_series(), start, end, step.as_secs_f64())
}

fn draw(
    data: &ChartData,
    values: &[Option<f64>],
    opts: &ChartOpts,
    w: u16,
    h: u16,
    theme: &Theme,
) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    render(data, values, opts, buf.area, &mut buf, theme);
    buf
}

fn text(buf: &Buffer) -> String {
    crate::ui::buffer_text(buf)
}

#[test]
fn chart_80x24_with_axes_units_and_legend() {
    let (series, start, end, step) = latency(70);
    let data = ChartData::new(&series, 10, start, end, step, Unit::Seconds);
    let t = text(&draw(
        &data,
        &[],
        &ChartOpts::default(),
        80,
        24,
        &Theme::fallback(false),
    ));
    assert!(
        t.contains("10:00") && t.contains("10:30") && t.contains("11:00"),
        "{t}"
    );
    assert!(t.contains(" ms"), "value axis in ms: {t}");
    assert!(t.contains("service=\"checkout\""), "{t}");
    insta::assert_snapshot!("chart_80x24", t);
}

#[test]
fn chart_200x60_with_the_cursor_reading_every_series() {
    let (series, start, end, step) = latency(190);
    let data = ChartData::new(&series, 10, start, end, step, Unit::Seconds);
    let cursor = start + 1800.0;
    let values = data.values_at(&series, cursor);
    assert!(values.iter().all(Option::is_some), "{values:?}");
    let opts = ChartOpts {
        cursor: Some(cursor),
        ..ChartOpts::default()
    };
    let t = text(&draw(
        &data,
        &values,
        &opts,
        200,
        60,
        &Theme::fallback(false),
    ));
    insta::assert_snapshot!("chart_200x60_cursor", t);
}

#[test]
fn no_color_and_sixteen_colours_tell_series_apart() {
    let (series, start, end, step) = latency(70);
    let data = ChartData::new(&series, 10, start, end, step, Unit::Seconds);
    let t = text(&draw(
        &data,
        &[],
        &ChartOpts::default(),
        80,
        24,
        &Theme::fallback(true),
    ));
    // Without colour, each series has its own marker, shown in the legend.
    for m in ['⣿', '•', '█'] {
        assert!(t.contains(m), "{m} in {t}");
    }
    insta::assert_snapshot!("chart_80x24_no_color", t);
    let sixteen = Theme::load("sixteen", false).unwrap();
    let buf = draw(&data, &[], &ChartOpts::default(), 80, 24, &sixteen);
    let colours: std::collections::BTreeSet<String> = buf
        .content()
        .iter()
        .map(|c| format!("{:?}", c.fg))
        .collect();
    assert!(
        colours.len() >= 3,
        "series in distinct colours: {colours:?}"
    );
    assert!(
        colours
            .iter()
            .all(|c| !c.contains("Rgb") && !c.contains("Indexed")),
        "{colours:?}"
    );
}

#[test]
fn many_series_draw_the_top_n_and_say_how_many_more() {
    let series: Vec<Series> = (0..50)
        .map(|i| Series {
            labels: [("handler".to_string(), format!("/api/v1/h{i:02}"))].into(),
            points: (0..60)
                .map(|k| Point {
                    t: k as f64 * 60.0,
                    v: (i * 10 + k) as f64,
                })
                .collect(),
        })
        .collect();
    let data = ChartData::new(&series, 5, 0.0, 3540.0, 60.0, Unit::None);
    assert_eq!(data.drawn.len(), 5);
    assert_eq!(data.drawn[0].legend, "handler=\"/api/v1/h49\"");
    let t = text(&draw(
        &data,
        &[],
        &ChartOpts::default(),
        80,
        24,
        &Theme::fallback(false),
    ));
    assert!(t.contains("+45 more of 50 series"), "{t}");
    // A short pane keeps fewer legend lines and counts the rest.
    let t = text(&draw(
        &data,
        &[],
        &ChartOpts::default(),
        80,
        12,
        &Theme::fallback(false),
    ));
    assert!(t.contains("+47 more of 50 series"), "{t}");
}

#[test]
fn empty_results_and_nan_gaps_are_shown_as_such() {
    let theme = Theme::fallback(false);
    let t = text(&draw(
        &ChartData::new(&[], 10, 0.0, 60.0, 15.0, Unit::None),
        &[],
        &ChartOpts::default(),
        80,
        24,
        &theme,
    ));
    assert!(t.contains("No series: the query matched nothing"), "{t}");
    let nan = Series {
        labels: Labels::new(),
        points: vec![
            Point {
                t: 0.0,
                v: f64::NAN,
            },
            Point {
                t: 15.0,
                v: f64::NAN,
            },
        ],
    };
    let t = text(&draw(
        &ChartData::new(&[nan], 10, 0.0, 60.0, 15.0, Unit::None),
        &[],
        &ChartOpts::default(),
        80,
        24,
        &theme,
    ));
    assert!(
        t.contains("1 series, no values in this range (all NaN"),
        "{t}"
    );
    // A gap splits the line in two runs, and the cursor on it reads NaN.
    let gappy = Series {
        labels: Labels::new(),
        points: [1.0, 2.0, f64::NAN, 4.0, 5.0]
            .iter()
            .enumerate()
            .map(|(i, &v)| Point {
                t: i as f64 * 15.0,
                v,
            })
            .collect(),
    };
    let data = ChartData::new(
        std::slice::from_ref(&gappy),
        10,
        0.0,
        60.0,
        15.0,
        Unit::None,
    );
    assert_eq!(data.drawn[0].runs.len(), 2);
    let values = data.values_at(std::slice::from_ref(&gappy), 31.0);
    assert!(values[0].unwrap().is_nan());
    let opts = ChartOpts {
        cursor: Some(31.0),
        ..ChartOpts::default()
    };
    let t = text(&draw(&data, &values, &opts, 80, 24, &theme));
    assert!(t.contains("NaN (gap)"), "{t}");
}

#[test]
fn degrades_to_20x5_without_panicking() {
    let (series, start, end, step) = latency(20);
    let data = ChartData::new(&series, 10, start, end, step, Unit::Seconds);
    for (w, h) in [(20, 5), (1, 1), (80, 3)] {
        let t = text(&draw(
            &data,
            &[],
            &ChartOpts::default(),
            w,
            h,
            &Theme::fallback(false),
        ));
        assert!(!t.contains("service="), "no legend at {w}x{h}: {t}");
    }
}

#[test]
fn a_long_run_keeps_each_columns_lowest_and_highest_in_order() {
    let run: Vec<(f64, f64)> = (0..1000)
        .map(|k| (k as f64, ((k * 37) % 101) as f64))
        .collect();
    let thin = super::decimate(&run, 0.0, 999.0, 100);
    assert!(thin.len() <= 202, "{}", thin.len());
    assert_eq!(
        (thin[0], thin[thin.len() - 1]),
        (run[0], run[999]),
        "the ends stay"
    );
    assert!(thin.windows(2).all(|w| w[0].0 < w[1].0), "time order");
    // Every column's extremes survive: the drawn envelope is the same.
    for c in 0..100 {
        let inside = |p: &&(f64, f64)| (p.0 / 999.0 * 100.0).floor() as usize == c.min(99);
        let max_all = run
            .iter()
            .filter(inside)
            .map(|p| p.1)
            .fold(f64::MIN, f64::max);
        let max_thin = thin
            .iter()
            .filter(inside)
            .map(|p| p.1)
            .fold(f64::MIN, f64::max);
        assert_eq!(max_all, max_thin, "column {c}");
    }
    let short = &run[..150];
    assert!(matches!(
        super::decimate(short, 0.0, 149.0, 100),
        std::borrow::Cow::Borrowed(_)
    ));
}
