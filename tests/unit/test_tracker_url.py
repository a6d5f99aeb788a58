"""Erasure reads the tracker store Rasa writes: its URL follows the endpoints file, and one that disagrees stops start-up."""
import pytest

from bot.settings import PROJECT_ROOT, tracker_database_url

POSTGRES_ENV = {"RASA_ENDPOINTS": "endpoints.postgres.yml", "TRACKER_DB_HOST": "db.clinic.internal",
                "TRACKER_DB_PORT": "5433", "TRACKER_DB_NAME": "rasa", "TRACKER_DB_USER": "rasa",
                "TRACKER_DB_PASSWORD": "s3cret"}


@pytest.fixture
def env(monkeypatch):
    def set_env(values):
        for key in ("RASA_ENDPOINTS", "TRACKER_DATABASE_URL", "TRACKER_SQLITE_PATH", *POSTGRES_ENV):
            monkeypatch.delenv(key, raising=False)
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        return dict(values)
    return set_env


def test_the_single_machine_setup_reads_the_sqlite_file_rasa_writes(env):
    assert tracker_database_url(env({"TRACKER_SQLITE_PATH": "var/t.db"})) == f"sqlite:///{PROJECT_ROOT / 'var/t.db'}"
    assert tracker_database_url(env({})) == f"sqlite:///{PROJECT_ROOT / 'var/rasa_tracker.db'}"


def test_the_clinic_network_setup_reads_the_postgresql_database_of_the_endpoints_file(env):
    assert tracker_database_url(env(POSTGRES_ENV)) == "postgresql://rasa:s3cret@db.clinic.internal:5433/rasa"


def test_a_tracker_url_naming_the_same_database_is_kept_and_one_naming_another_stops_start_up(env):
    same = "postgresql+psycopg2://eraser:other@db.clinic.internal:5433/rasa"
    assert tracker_database_url(env({**POSTGRES_ENV, "TRACKER_DATABASE_URL": same})) == same
    with pytest.raises(ValueError, match="names another database"):
        tracker_database_url(env({**POSTGRES_ENV, "TRACKER_DATABASE_URL": "sqlite:///var/rasa_tracker.db"}))
    with pytest.raises(ValueError, match="names another database"):
        tracker_database_url(env({**POSTGRES_ENV,
                                  "TRACKER_DATABASE_URL": "postgresql://rasa:s3cret@db.clinic.internal:5433/other"}))
