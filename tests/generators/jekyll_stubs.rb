# frozen_string_literal: true
# Harness stub (not part of the site). Only affects rendered bodies, never which
# posts exist, their URLs, titles or dates:
#  * registers a no-op Liquid tag for every `{% name %}` used in the site's
#    sources that neither Liquid, Jekyll nor a loaded plugin defines (the site's
#    own _plugins code, e.g. 18F's `oembed`, is not in the corpus);
#  * makes include / include_relative / link / post_url render "" instead of
#    aborting the build when their target (an _includes file, a _docs page, ...)
#    is not part of the corpus copy.
module HarnessStubs
  class NoOpTag < Liquid::Tag
    def render(_context) = ""
  end

  class NoOpBlock < Liquid::Block
    def render(_context) = ""
  end

  module Forgiving
    def render(context)
      super
    rescue StandardError => e
      Jekyll.logger.warn "harness stub:", "#{self.class.superclass.name} failed (#{e.class}: #{e.message.lines.first&.strip}); rendered as empty"
      ""
    end
  end

  def self.install(source)
    used = {}
    ends = {}
    Dir.glob(File.join(source, "**", "*.{md,markdown,mkdn,mkd,text,textile,html,Rmd,yml}"), File::FNM_EXTGLOB).each do |f|
      next if f.include?("/_site/") || File.directory?(f)
      text = File.binread(f).force_encoding("UTF-8").scrub
      text.scan(/\{%-?\s*([A-Za-z_]\w*)/) do |(name)|
        if name.start_with?("end") then ends[name.delete_prefix("end")] = true else used[name] = true end
      end
    end
    stubbed = []
    used.each_key do |name|
      next if Liquid::Template.tags[name]
      next if %w(else elsif when in).include?(name)
      if ends[name]
        Liquid::Template.register_tag(name, NoOpBlock)
        stubbed << "#{name} (block)"
      else
        Liquid::Template.register_tag(name, NoOpTag)
        stubbed << name
      end
    end
    { "include" => Jekyll::Tags::IncludeTag, "include_relative" => Jekyll::Tags::IncludeRelativeTag,
      "link" => Jekyll::Tags::Link, "post_url" => Jekyll::Tags::PostUrl }.each do |name, klass|
      Liquid::Template.register_tag(name, Class.new(klass) { prepend Forgiving })
    end
    Jekyll.logger.info "harness stub tags:", stubbed.join(", ") unless stubbed.empty?
  end
end

Jekyll::Hooks.register :site, :after_init do |site|
  HarnessStubs.install(site.source)
end
