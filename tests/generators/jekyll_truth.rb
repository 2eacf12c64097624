# frozen_string_literal: true
# Usage: ruby jekyll_truth.rb <site_dir> <out_json>
# Builds the site with the real Jekyll (site.process: read, generate (plugins
# such as jekyll-feed), render, write) and dumps every post Jekyll publishes.
require "jekyll"
require "json"
require "time"

site_dir = File.expand_path(ARGV.fetch(0))
out_file = File.expand_path(ARGV.fetch(1))

config = Jekyll.configuration(
  "source" => site_dir,
  "destination" => File.join(site_dir, "_site")
)
t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
site = Jekyll::Site.new(config)
build_error = nil
begin
  site.process
rescue StandardError => e
  build_error = "#{e.class}: #{e.message}"
  warn "jekyll build failed: #{build_error}"
  warn e.backtrace.first(5).join("\n")
end
elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0

class UrlHelper
  include Jekyll::Filters::URLFilters
  def initialize(site)
    @context = Liquid::Context.new({}, {}, { :site => site })
  end
end
urls = UrlHelper.new(site)

def iso_utc(time)
  time.nil? ? nil : time.getutc.iso8601
end

posts = site.posts.docs.map do |d|
  {
    "source" => d.relative_path,
    "link" => urls.absolute_url(d.url),
    "title" => d.data["title"],
    "date" => iso_utc(d.date),
  }
end.sort_by { |p| p["source"] }

result = {
  "generator" => "jekyll",
  "generator_version" => Jekyll::VERSION,
  "build_error" => build_error,
  "build_seconds" => elapsed.round(3),
  "posts" => posts,
}
File.write(out_file, JSON.pretty_generate(result) + "\n")
warn "jekyll #{Jekyll::VERSION}: #{posts.size} posts -> #{out_file}"
