/* permissions--1.0.sql: base install script of the permissions extension */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION permissions" to load this file. \quit

