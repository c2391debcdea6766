"""A career's span of years leaves out the few games a source misdates or misfiles."""

from stylespace.careers import CareerSpan, career_span


def test_a_continuous_career_keeps_every_year():
    games = {year: 40 for year in range(1990, 2025)}
    assert career_span(games) == CareerSpan(1990, 2024, 0)


def test_a_few_games_decades_before_the_rest_are_stray():
    games = {1934: 1, 1935: 3, **{year: 100 for year in range(1998, 2025)}}
    assert career_span(games) == CareerSpan(1998, 2024, 4)


def test_a_few_games_long_after_the_rest_are_stray_too():
    games = {**{year: 50 for year in range(1926, 1971)}, 2010: 2}
    assert career_span(games) == CareerSpan(1926, 1970, 2)


def test_a_real_comeback_with_many_games_stays():
    games = {**{year: 50 for year in range(1970, 1990)}, **{year: 30 for year in range(2010, 2015)}}
    assert career_span(games) == CareerSpan(1970, 2014, 0)


def test_no_dated_games_has_no_span():
    assert career_span({}) == CareerSpan(None, None, 0)
