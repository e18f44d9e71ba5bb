use super::*;

#[test]
fn a_matrix_keeps_labels_nan_and_infinities() {
    let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
        {"metric":{"__name__":"up","job":"self","instance":"127.0.0.1:9090"},
         "values":[[1700000000,"1"],[1700000015.5,"NaN"],[1700000030,"+Inf"],[1700000045,"-Inf"]]},
        {"metric":{},"values":[]}]}}"#;
    let env = parse_query(body).unwrap();
    let QueryResult::Matrix(series) = env.data.unwrap() else {
        panic!("not a matrix")
    };
    assert_eq!(series.len(), 2);
    let s = &series[0];
    assert_eq!(s.labels["job"], "self");
    assert_eq!(s.points[0], Point { t: 1.7e9, v: 1.0 });
    assert_eq!(s.points[1].t, 1700000015.5);
    assert!(s.points[1].v.is_nan());
    assert_eq!(s.points[2].v, f64::INFINITY);
    assert_eq!(s.points[3].v, f64::NEG_INFINITY);
    // NaN is a gap and infinities cannot be drawn: the last value is the 1.
    assert_eq!(s.last_value(), Some(1.0));
    assert!(series[1].points.is_empty() && series[1].last_value().is_none());
}

#[test]
fn last_value_skips_gaps_and_value_at_finds_the_nearest_point() {
    let s = Series {
        labels: Labels::new(),
        points: vec![
            Point { t: 0.0, v: 1.0 },
            Point { t: 15.0, v: 2.0 },
            Point {
                t: 30.0,
                v: f64::NAN,
            },
        ],
    };
    assert_eq!(s.last_value(), Some(2.0));
    assert_eq!(s.value_at(14.0, 7.5), Some(2.0));
    assert_eq!(s.value_at(6.0, 7.5), Some(1.0));
    assert!(s.value_at(29.0, 7.5).unwrap().is_nan());
    assert_eq!(s.value_at(100.0, 7.5), None);
}

#[test]
fn vectors_scalars_and_strings_parse() {
    let v = parse_query(br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"code":"200"},"value":[1700000000.123,"42.5"]}]}}"#)
        .unwrap()
        .data
        .unwrap();
    assert_eq!(
        v.clone().into_series()[0].points,
        vec![Point {
            t: 1700000000.123,
            v: 42.5
        }]
    );
    let QueryResult::Vector(samples) = v else {
        panic!()
    };
    assert_eq!(samples[0].labels["code"], "200");
    let s = parse_query(
        br#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"3"]}}"#,
    )
    .unwrap()
    .data
    .unwrap();
    assert_eq!(s, QueryResult::Scalar(Point { t: 1.7e9, v: 3.0 }));
    let st = parse_query(
        br#"{"status":"success","data":{"resultType":"string","result":[1700000000,"hi"]}}"#,
    )
    .unwrap()
    .data
    .unwrap();
    assert!(st.into_series().is_empty());
}

#[test]
fn an_error_envelope_keeps_prometheus_words() {
    let env = parse_query(br#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:8: parse error: unclosed left parenthesis"}"#).unwrap();
    assert_eq!(env.status, "error");
    assert_eq!(env.error_type.as_deref(), Some("bad_data"));
    assert!(env.error.unwrap().contains("1:8: parse error"));
}

#[test]
fn a_bad_sample_value_is_a_parse_error() {
    let e = parse_query(br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"ten"]}]}}"#)
        .err()
        .unwrap();
    assert!(e.to_string().contains("not a sample value"), "{e}");
}

#[test]
fn points_serialise_as_prometheus_writes_them() {
    let p = [
        Point {
            t: 1.5,
            v: f64::NAN,
        },
        Point { t: 2.0, v: 0.25 },
    ];
    assert_eq!(
        serde_json::to_string(&p).unwrap(),
        r#"[[1.5,"NaN"],[2.0,"0.25"]]"#
    );
}
