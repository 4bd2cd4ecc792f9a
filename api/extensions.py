"""Unbound extension instances, bound to the app in create_app()."""

from flask_cors import CORS
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from api.database import Session
from api.models.base import Base
from api.smorest import Api

db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
api = Api()
cors = CORS()
